package operator

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/tenant"
)

// disclosureTenantWait is how long the sample records wait for a village's
// tenant (its namespace and the cadres' RoleBinding).
const disclosureTenantWait = 60 * time.Second

// SampleDisclosureCadre is the user a village's sample records are
// published as: a cadre of the village, in its group.
func SampleDisclosureCadre(code string) rest.ImpersonationConfig {
	return rest.ImpersonationConfig{UserName: governancev1alpha1.VillageGroupPrefix + code + ":sample", Groups: []string{governancev1alpha1.VillageGroupPrefix + code}}
}

// ImportSampleDisclosures publishes realistic public records (S10, 三务公开)
// for three villages of the Wenzhou sample: 鼓楼社区 (one of every category,
// and a correction of its quarterly accounts), 墨池社区 and 老涂村. Each
// village's records are created as its own cadre, by impersonation through
// cfg (whose user must be allowed to impersonate), so admission checks and
// records them as it would a real cadre's. A village that is not in the
// cluster is skipped, and so is one whose tenant already holds records (the
// import runs on every start). It waits up to a minute for each tenant.
func ImportSampleDisclosures(ctx context.Context, cfg *rest.Config, c client.Client) (int, error) {
	log := ctrl.LoggerFrom(ctx)
	created := 0
	for _, sample := range sampleDisclosures() {
		ns := governancev1alpha1.TenantNamespaceName(sample.village)
		if err := c.Get(ctx, client.ObjectKey{Name: sample.village}, &governancev1alpha1.Village{}); apierrors.IsNotFound(err) {
			continue
		} else if err != nil {
			return created, fmt.Errorf("reading village %s: %w", sample.village, err)
		}
		if err := waitForTenant(ctx, c, ns); err != nil {
			return created, err
		}
		existing := &governancev1alpha1.DisclosureList{}
		if err := c.List(ctx, existing, client.InNamespace(ns), client.Limit(1)); err != nil {
			return created, fmt.Errorf("listing the records of %s: %w", ns, err)
		}
		if len(existing.Items) > 0 {
			continue
		}
		impersonated := rest.CopyConfig(cfg)
		impersonated.Impersonate = SampleDisclosureCadre(sample.village)
		cadre, err := client.New(impersonated, client.Options{Scheme: c.Scheme()})
		if err != nil {
			return created, fmt.Errorf("a client for the cadres of %s: %w", sample.village, err)
		}
		log.Info("Publishing sample disclosures", "Village", sample.village, "count", len(sample.records))
		for _, d := range sample.records {
			d.Namespace = ns
			switch err := cadre.Create(ctx, d); {
			case err == nil:
				created++
			case !apierrors.IsAlreadyExists(err):
				return created, fmt.Errorf("publishing %s/%s: %w", ns, d.Name, err)
			}
		}
	}
	return created, nil
}

// waitForTenant waits until the village controller has provisioned the
// tenant namespace and the cadres' RoleBinding in it.
func waitForTenant(ctx context.Context, c client.Client, ns string) error {
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, disclosureTenantWait, true, func(ctx context.Context) (bool, error) {
		if err := c.Get(ctx, client.ObjectKey{Name: ns}, &corev1.Namespace{}); err != nil {
			return false, client.IgnoreNotFound(err)
		}
		err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: tenant.VillageRoleBinding}, &rbacv1.RoleBinding{})
		return err == nil, client.IgnoreNotFound(err)
	})
	if err != nil {
		return fmt.Errorf("waiting for the tenant %s: %w", ns, err)
	}
	return nil
}

// villageDisclosures are one village's sample records, in the order they
// are published (a correction after the record it supersedes).
type villageDisclosures struct {
	village string
	records []*governancev1alpha1.Disclosure
}

func disclosure(name string, category governancev1alpha1.DisclosureCategory, period, title string, format governancev1alpha1.DisclosureFormat, body string, links ...governancev1alpha1.DisclosureLink) *governancev1alpha1.Disclosure {
	return &governancev1alpha1.Disclosure{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       governancev1alpha1.DisclosureSpec{Category: category, Period: period, Title: title, Format: format, Body: body, Links: links},
	}
}

// platformLink is a document on 智慧村社通.
func platformLink(title, path string) governancev1alpha1.DisclosureLink {
	return governancev1alpha1.DisclosureLink{Title: title, URL: "https://zhcst.wenzhou.gov.cn/" + path}
}

// The sample villages: 鼓楼社区 and 墨池社区 of 五马街道 and 老涂村 of 七都街道, 鹿城区.
const (
	sampleGulou = "330302006044"
	sampleMochi = "330302006045"
	sampleLaotu = "330302023200"
)

func sampleDisclosures() []villageDisclosures {
	md := governancev1alpha1.DisclosureMarkdown
	gulouAccounts := func(office, spent, balance string) string {
		return "鼓楼社区 2026 年第三季度（7—9 月）财务收支情况公开如下，单位：元。\n\n" +
			"| 收入项目 | 金额 |\n|---|---:|\n" +
			"| 上级补助收入（社区工作经费） | 180,000.00 |\n| 为民服务专项经费 | 100,000.00 |\n| 公房租金收入 | 24,600.00 |\n| **收入合计** | **304,600.00** |\n\n" +
			"| 支出项目 | 金额 |\n|---|---:|\n" +
			"| 社区工作者及网格员补贴 | 126,400.00 |\n| 办公经费 | " + office + " |\n| 老年食堂助餐补贴 | 48,300.00 |\n" +
			"| 背街小巷环境整治及设施维修 | 35,720.00 |\n| 文体活动 | 9,500.00 |\n| **支出合计** | **" + spent + "** |\n\n" +
			"本季度结余 " + balance + " 元。以上账目已经社区居务监督委员会审核。如有疑问，请于公开之日起 10 日内向社区居务监督委员会反映，电话 0577-88201234。\n"
	}
	finance := disclosure("finance-2026-q3", governancev1alpha1.DisclosureFinance, "2026-Q3", "2026年第三季度财务收支公开", md,
		gulouAccounts("12,860.00", "232,780.00", "71,820.00"), platformLink("2026年第三季度记账凭证扫描件", "gulou/ledger/2026-q3.pdf"))
	corrected := disclosure("finance-2026-q3-correction", governancev1alpha1.DisclosureFinance, "2026-Q3", "2026年第三季度财务收支公开（更正）", md,
		gulouAccounts("12,680.00", "232,600.00", "72,000.00"), platformLink("2026年第三季度记账凭证扫描件", "gulou/ledger/2026-q3.pdf"))
	corrected.Spec.Supersedes = finance.Name
	corrected.Spec.Correction = "原公开表中“办公经费”支出 12,680.00 元误录为 12,860.00 元，支出合计和本季度结余相应更正。"
	return []villageDisclosures{
		{village: sampleGulou, records: []*governancev1alpha1.Disclosure{
			finance,
			disclosure("party-2026-new-members", governancev1alpha1.DisclosurePartyAffairs, "2026-10-20", "关于2026年第二批发展党员对象的公示", governancev1alpha1.DisclosureText,
				"经个人申请、党小组推荐、支部委员会研究，拟将陈某某、林某某 2 名同志列为发展对象，现予公示。\n"+
					"公示时间：2026 年 10 月 20 日至 10 月 26 日。\n"+
					"公示期间，党员和群众可通过来信、来电或来访等方式，向社区党委反映公示对象的情况和问题。\n"+
					"联系电话：0577-88201230（鼓楼社区党委）。"),
			disclosure("resolution-2026-09-elevators", governancev1alpha1.DisclosureVillageAffairs, "2026-09", "居民代表会议决议公开：老旧小区加装电梯补助方案", md,
				"按照“四议两公开”程序，社区党委提议、社区“两委”会议商议、党员大会审议后，于 2026 年 9 月 12 日召开居民代表会议。\n\n"+
					"- 应到居民代表 45 人，实到 41 人；\n- 表决结果：同意 38 票，反对 1 票，弃权 2 票；\n"+
					"- 决议：对辖区 2000 年前建成、业主同意率达到要求的住宅楼加装电梯，每台由社区为民服务专项经费补助 2 万元，2026 年度补助不超过 6 台。\n\n"+
					"实施结果将另行公开。"),
			disclosure("rules-2026-residents-compact", governancev1alpha1.DisclosureVillageRules, "2026", "鼓楼社区居民公约（2026年修订）", md,
				"经居民会议讨论通过，报五马街道备案。\n\n"+
					"1. 爱党爱国，遵纪守法，维护社区和谐稳定。\n2. 垃圾分类投放，不乱扔乱倒，不占用楼道堆放杂物。\n"+
					"3. 文明养犬，出门牵绳，及时清理犬只粪便。\n4. 电动自行车不进楼道、不入户充电。\n"+
					"5. 邻里互助，关爱老人和困难家庭，移风易俗，红白喜事从简。\n6. 积极参与社区议事协商和志愿服务。"),
			disclosure("services-2026-guide", governancev1alpha1.DisclosureServices, "2026", "社区便民服务事项及办理指南", md,
				"办理地点：鼓楼社区党群服务中心一楼便民服务窗口；办理时间：工作日 8:30—12:00，14:00—17:30。\n\n"+
					"| 事项 | 社区职责 | 所需材料 |\n|---|---|---|\n"+
					"| 城乡居民基本医疗保险参保登记 | 协助受理 | 身份证、户口簿 |\n"+
					"| 高龄津贴申请 | 协助受理、初审 | 身份证、银行卡 |\n"+
					"| 残疾人两项补贴申请 | 协助受理 | 残疾人证、身份证 |\n"+
					"| 就业失业登记 | 协助受理 | 身份证 |\n\n"+
					"以上事项均可在“浙里办”上办理，社区工作人员可帮办代办。",
				governancev1alpha1.DisclosureLink{Title: "浙里办", URL: "https://www.zjzwfw.gov.cn/"}),
			disclosure("consultation-2026-08-parking", governancev1alpha1.DisclosureConsultation, "2026-08-15", "民主协商议事记录：背街小巷停车秩序整治", md,
				"- 时间：2026 年 8 月 15 日 19:00\n- 地点：社区党群服务中心议事厅\n"+
					"- 参加人员：居民代表 12 人、沿街商户代表 4 人、物业服务企业 2 人、交警鹿城大队五马中队 1 人，社区居务监督委员会列席\n"+
					"- 议题：墨池坊、纱帽河一带夜间乱停车影响消防通道\n\n"+
					"协商意见：施划夜间限时停车位 36 个，消防通道两侧设置禁停标线；商户车辆夜间停放至公园路公共停车场，社区协调优惠；"+
					"组织居民志愿者每周两次劝导。\n\n落实情况将在下季度居务公开中一并公开。"),
			corrected,
		}},
		{village: sampleMochi, records: []*governancev1alpha1.Disclosure{
			disclosure("finance-2026-q3", governancev1alpha1.DisclosureFinance, "2026-Q3", "2026年第三季度财务收支公开", md,
				"单位：元。\n\n| 项目 | 金额 |\n|---|---:|\n| 上级补助收入 | 170,000.00 |\n| 为民服务专项经费 | 100,000.00 |\n| **收入合计** | **270,000.00** |\n"+
					"| 社区工作者补贴 | 118,200.00 |\n| 办公经费 | 10,450.00 |\n| 居家养老上门服务 | 52,000.00 |\n| 环境整治 | 21,380.00 |\n| **支出合计** | **202,030.00** |\n\n"+
					"本季度结余 67,970.00 元，经社区居务监督委员会审核。"),
			disclosure("services-2026-elderly-meals", governancev1alpha1.DisclosureServices, "2026", "老年食堂助餐服务公告", governancev1alpha1.DisclosureText,
				"墨池社区老年食堂位于墨池坊 18 号，每日 11:00—12:30 供应午餐。辖区 60 周岁以上老人凭老年优待证就餐，"+
					"80 周岁以上及低保、低边家庭老人享受助餐补贴。行动不便的老人可电话预约送餐：0577-88205678。"),
		}},
		{village: sampleLaotu, records: []*governancev1alpha1.Disclosure{
			disclosure("finance-2026-h1", governancev1alpha1.DisclosureFinance, "2026-H1", "2026年上半年村集体财务收支公开", md,
				"单位：元。\n\n| 收入项目 | 金额 |\n|---|---:|\n| 村集体物业出租收入 | 386,000.00 |\n| 上级转移支付 | 150,000.00 |\n| 利息收入 | 2,140.00 |\n| **收入合计** | **538,140.00** |\n\n"+
					"| 支出项目 | 金额 |\n|---|---:|\n| 村干部误工报酬 | 168,000.00 |\n| 办公经费 | 15,600.00 |\n| 村道保洁 | 42,000.00 |\n| 农田水利设施维修 | 86,500.00 |\n| 困难群众慰问 | 12,000.00 |\n| **支出合计** | **324,100.00** |\n\n"+
					"上半年结余 214,040.00 元，经村务监督委员会审核。",
				platformLink("2026年上半年村集体资产台账", "laotu/assets/2026-h1.xlsx")),
			disclosure("affairs-2026-10-road-tender", governancev1alpha1.DisclosureVillageAffairs, "2026-10", "村级工程项目招投标结果公开：老涂村机耕路硬化工程", governancev1alpha1.DisclosureText,
				"老涂村机耕路硬化工程（长 1.2 公里，宽 3.5 米）经村民代表会议决议立项，于 2026 年 10 月 9 日在七都街道公共资源交易站公开招标。"+
					"共 4 家单位投标，中标单位：温州某建设有限公司，中标价 486,300.00 元，工期 60 天。村务监督委员会全程监督。"+
					"对结果有异议的，请于公示之日起 5 日内向七都街道农村集体“三资”管理服务中心反映。"),
		}},
	}
}
