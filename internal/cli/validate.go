package cli

import (
	"cmp"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	apiruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// Severities of validate's findings. Only errors fail the check (exit 1).
const (
	// severityError: admission would refuse the object, or the folder is
	// inconsistent (an object defined twice).
	severityError = "error"
	// severityWarning: admission accepts it, but it does not do what its
	// author likely meant (an approval that does not count).
	severityWarning = "warning"
	// severityInfo: what an offline check cannot know.
	severityInfo = "info"
)

// finding is one problem validate reports.
type finding struct {
	File     string `json:"file"`
	Document int    `json:"document"`
	// Object reads Kind/name.
	Object   string `json:"object"`
	Severity string `json:"severity"`
	// Rule is the notice's rule (S1–S20, P1) the message starts with.
	Rule  string `json:"rule"`
	Field string `json:"field,omitempty"`
	// Message is the rule engine's message, as admission returns it.
	Message string `json:"message"`
}

// itemPhase is an item's EvaluateItem result: what its phase would be once
// the folder is applied.
type itemPhase struct {
	File      string `json:"file"`
	Document  int    `json:"document"`
	Name      string `json:"name"`
	List      string `json:"list"`
	Title     string `json:"title"`
	Phase     string `json:"phase"`
	Approvals string `json:"approvals"` // approved/required units, e.g. 4/4
	Digest    string `json:"digest"`
}

type validateSummary struct {
	Files    int            `json:"files"`
	Objects  int            `json:"objects"`
	Errors   int            `json:"errors"`
	Warnings int            `json:"warnings"`
	Info     int            `json:"info"`
	Items    int            `json:"items"`
	Phases   map[string]int `json:"phases"`
}

// validateReport is what `kubectl cunshe validate -o json|yaml` prints.
type validateReport struct {
	metav1.TypeMeta `json:",inline"`
	Findings        []finding       `json:"findings"`
	Items           []itemPhase     `json:"items"`
	Summary         validateSummary `json:"summary"`
}

// offlineUser is who the offline check pretends to be when the rules ask.
const offlineUser = "kubectl-cunshe-validate"

func (r *validateReport) DeepCopyObject() apiruntime.Object { return deepCopyResult(r) }

func newValidateCommand() *cobra.Command {
	var p *printFlags
	var requireApproved bool
	var as string
	var asGroups []string
	var refuseSamples bool
	var at string
	lapsingWithin := defaultLapsingDays
	cmd := &cobra.Command{
		Use:   "validate DIR",
		Short: "离线检查清单文件 / check a folder of list manifests offline",
		Long: `离线检查 DIR 下（递归）全部 *.yaml、*.yml、*.json 清单文件，运行与准入校验相同的规则：
先按 CRD 的结构和 CEL 规则检查（与 API 服务器相同），再运行准入规则：ListItem（S1–S4；准入事项无经费保障为警告，S20）、
PowerFlow（P1）、ReviewUnit 与 ItemApproval（S5）、Task（S1、S2、S6、S11、S14、S17）、
Report 与 ReportDecision（S8）、Disclosure（S10）、PublicNotice（S19）、SignboardSet 与
SignboardStyle（S12–S16）、Jurisdiction、Village（S1、S11）与 ListRollout（S1），并按
EvaluateItem 给出每个事项应用后的审核状态（Approved、Pending……）。村（社区）的县代码
取自文件夹中的 Village，市直部门取自带 governance.cunshe.io/department 标签的 Namespace。
文件夹不说明由谁提交：--as（及 --as-group）按该用户提交检查（如 GitOps 的服务账号：申报主体 S4、
未签名的审核意见 S5 等）；不指定时按准入所需的人（本单位成员、本村干部）检查，
未签名的审核意见无法离线验证提交人，只作提示。其他 API 组的对象、非 Kubernetes 对象的
YAML、以 . 开头的目录和 Helm chart 的 templates/ 目录不检查。DIR 也可以是单个文件或 -（标准输入）。

退出码：0 无错误；1 发现错误（警告与提示不算）；2 输入不可用（无法读取、YAML 语法错误、
governance.cunshe.io 中的未知类型、未知字段）。输出中 文件#N 的 N 是对象在文件中的文档序号。

Checks every *.yaml, *.yml and *.json manifest under DIR (recursively)
offline with the rules admission runs: first the CRDs' schemas and CEL
rules, as the API server checks them, then admission's rules on ListItems
(S1–S4; an Admission item without funding is a warning, S20), PowerFlows (P1), ReviewUnits and ItemApprovals (S5), Tasks (S1,
S2, S6, S11, S14, S17), Reports and ReportDecisions (S8), Disclosures
(S10), PublicNotices (S19), SignboardSets and SignboardStyles (S12–S16),
Jurisdictions, Villages (S1, S11) and ListRollouts (S1); and reports each item's
phase as EvaluateItem decides it once the folder is applied. Counties come
from the folder's Villages, city departments from its Namespaces labelled
governance.cunshe.io/department. A folder does not say who applies it:
--as (with --as-group) checks it as that user applies it, e.g. a GitOps
service account (the applicant, S4; unsigned approvals, S5); without it
each object is checked as from the person admission needs (the unit's
member, the village's cadre), and unsigned approvals, whose author cannot
be verified offline, are reported as info. Objects of other API
groups, YAML that is not a Kubernetes object, folders starting with a dot
and Helm charts' templates/ folders are skipped. DIR may also be one file,
or - for stdin.

Exit codes: 0 no errors; 1 errors found (warnings and info do not count);
2 unusable input (unreadable file, YAML syntax error, unknown kind of
governance.cunshe.io, unknown field). FILE#N in the output is the object's
document index in the file.`,
		Example: `  kubectl cunshe validate config/samples
  kubectl cunshe validate clusters/wenzhou --require-approved
  kubectl cunshe validate clusters/wenzhou --as system:serviceaccount:dept-tjj:flux-applier --as-group system:serviceaccounts:dept-tjj
  kubectl cunshe validate clusters/wenzhou -o json | jq '.findings[] | select(.rule == "S4")'`,
		Args: exactArgs("DIR"),
		RunE: func(cmd *cobra.Command, args []string) error {
			pr, err := p.printer(cmd)
			if err != nil {
				return err
			}
			files, ms, err := loadManifests(cmd.InOrStdin(), args[0])
			if err != nil {
				return inputError(err)
			}
			moment, err := checkMoment(at)
			if err != nil {
				return usageError(cmd, err)
			}
			report := check(ms, moment, requireApproved, checkOptions{as: applier(as, asGroups), refuseSampleKeys: refuseSamples, lapsingDays: lapsingWithin})
			report.Summary.Files = files
			if pr != nil {
				err = p.printObjects(cmd.OutOrStdout(), pr, &report)
			} else {
				_, err = io.WriteString(cmd.OutOrStdout(), report.text())
			}
			if err != nil {
				return err
			}
			if n := report.Summary.Errors; n > 0 {
				return &exitError{code: ExitFailure, err: fmt.Errorf("发现 %d 个错误 / %d errors found", n, n)}
			}
			return nil
		},
	}
	p = addPrintFlags(cmd, false)
	cmd.Flags().BoolVar(&requireApproved, "require-approved", false,
		"未通过联合审核（Approved 或 Retired）的事项算作错误 / count items that are not Approved (or Retired) as errors")
	cmd.Flags().StringVar(&as, "as", "", "按该用户提交检查 / check as this user applies the folder")
	cmd.Flags().StringArrayVar(&asGroups, "as-group", nil, "该用户所属的组，可重复 / a group of that user, repeatable")
	cmd.Flags().StringVar(&at, "at", "",
		"按该时刻检查（RFC 3339，默认现在）：事项退出、紧急豁免的起止以此为准 / check as of this moment (RFC 3339, default now): retirements and emergencies are judged by it")
	cmd.Flags().IntVar(&lapsingWithin, "lapsing-within", defaultLapsingDays,
		"列出依据将在该天数内失效的已通过事项（S7） / list approved items whose basis lapses within this many days (S7)")
	cmd.Flags().BoolVar(&refuseSamples, "refuse-sample-keys", false,
		"按本地模式之外的集群检查：拒绝持有或使用示例公钥的联审单位和审核意见（S5） / check as a cluster outside local mode does: refuse units holding, and approvals signed with, the samples' keys (S5)")
	return cmd
}

// checkMoment is the moment --at names, or now.
func checkMoment(at string) (time.Time, error) {
	if at == "" {
		return now(), nil
	}
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return time.Time{}, fmt.Errorf("--at %q 须为 RFC 3339 时刻，如 2026-11-20T08:00:00+08:00 / --at %q must be an RFC 3339 moment, e.g. 2026-11-20T08:00:00+08:00", at, at)
	}
	return t, nil
}

// applier is who --as and --as-group name, nil for neither; the API server
// adds system:authenticated to every authenticated user.
func applier(user string, groups []string) *rules.Requester {
	if user == "" && len(groups) == 0 {
		return nil
	}
	return &rules.Requester{Username: user, Groups: append(slices.Clone(groups), "system:authenticated")}
}

// loadManifests reads the manifests under root (a folder, a file, or - for
// stdin), decoding files in parallel. It returns how many files it read.
func loadManifests(stdin io.Reader, root string) (int, []manifest, error) {
	if root == "-" {
		name, data, err := readInput(stdin, root)
		if err != nil {
			return 0, nil, err
		}
		ms, err := decodeManifests(name, data)
		return 1, ms, err
	}
	files, err := manifestFiles(root)
	if err != nil {
		return 0, nil, err
	}
	if len(files) == 0 {
		return 0, nil, fmt.Errorf("%s 下没有 *.yaml、*.yml 或 *.json 文件 / %s holds no *.yaml, *.yml or *.json file", root, root)
	}
	type result struct {
		ms  []manifest
		err error
	}
	results := make([]result, len(files))
	parallel(len(files), func(i int) {
		name, data, err := readInput(nil, files[i])
		if err == nil {
			results[i].ms, err = decodeManifests(name, data)
		}
		results[i].err = err
	})
	var ms []manifest
	for _, r := range results {
		if r.err != nil {
			return 0, nil, r.err // the first in file order, whatever finished first
		}
		ms = append(ms, r.ms...)
	}
	return len(files), ms, nil
}

// manifestFiles lists the manifest files under root in lexical order;
// root may be a file.
func manifestFiles(root string) ([]string, error) {
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("无法读取 / reading %s: %w", root, err)
	}
	if !fi.IsDir() {
		return []string{root}, nil
	}
	var files []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("无法读取 / reading %s: %w", path, err)
		}
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || isHelmTemplates(path)) {
				return filepath.SkipDir
			}
			return nil
		}
		switch strings.ToLower(filepath.Ext(d.Name())) {
		case ".yaml", ".yml", ".json":
			files = append(files, path)
		}
		return nil
	})
	return files, err
}

// isHelmTemplates reports whether dir is a Helm chart's templates folder,
// whose files are not YAML until rendered.
func isHelmTemplates(dir string) bool {
	if filepath.Base(dir) != "templates" {
		return false
	}
	_, err := os.Stat(filepath.Join(filepath.Dir(dir), "Chart.yaml"))
	return err == nil
}

// parallel calls f(0) … f(n-1) on as many goroutines as there are CPUs.
func parallel(n int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(n, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		})
	}
	wg.Wait()
}

// checker runs the rules over a folder's manifests.
type checker struct {
	snap     *rules.Memory
	findings []finding
	// first definitions of each kind, in file order
	items, approvals, flows, units, tasks, rollouts []manifest
	jurisdictions                                   []manifest
	// villages and the departments of namespaces, for the task rules
	villages        []*governancev1alpha1.Village
	villageManifest map[string]manifest
	namespaces      map[string]string
	// byKind are the first definitions of every kind, in file order
	byKind map[string][]manifest
	// as is who applies the folder (validate --as), nil when not given;
	// members are the unsigned approvals admission would accept from them
	as               *rules.Requester
	members          sets.Set[string]
	refuseSampleKeys bool
	// lapsingDays is how far ahead a lapsing basis is listed (S7).
	lapsingDays int
	// areas are what the departments of the folder's namespaces answer for,
	// and exemptions the folder's emergency records (S6)
	areas      map[string]rules.DepartmentArea
	exemptions []governancev1alpha1.EmergencyExemption
}

// check builds the snapshot from ms and runs the rules admission runs, then
// EvaluateItem on every item, each on its city's day at the moment at (the
// city's time zone, as the controllers decide it: not the machine's).
func check(ms []manifest, at time.Time, requireApproved bool, opts checkOptions) validateReport {
	c := newChecker(ms)
	c.as, c.refuseSampleKeys, c.lapsingDays = opts.as, opts.refuseSampleKeys, opts.lapsingDays
	c.checkSchemas(ms)
	c.checkSampleKeys()
	return c.run(ms, at, requireApproved)
}

// checkOptions are validate's flags that say which admission it plays.
type checkOptions struct {
	// as is who applies the folder (--as, --as-group); nil checks each
	// object as applied by the person admission needs for it.
	as *rules.Requester
	// refuseSampleKeys plays a cluster outside local mode (--refuse-sample-keys).
	refuseSampleKeys bool
	// lapsingDays is how far ahead an approved item whose basis lapses is
	// listed (--lapsing-within, S7).
	lapsingDays int
}

// run runs admission's rules on the indexed folder, then EvaluateItem.
func (c *checker) run(ms []manifest, at time.Time, requireApproved bool) validateReport {
	c.checkJurisdictions()
	for _, m := range c.units {
		c.addFieldErrors(m, rules.S5, rules.ValidateReviewUnit(m.obj.(*governancev1alpha1.ReviewUnit), c.snap.Juris))
	}
	for _, m := range c.flows {
		c.addFieldErrors(m, rules.P1, rules.ValidatePowerFlow(m.obj.(*governancev1alpha1.PowerFlow)))
	}
	for _, m := range c.items {
		item := m.obj.(*governancev1alpha1.ListItem)
		c.addFieldErrors(m, "", rules.ValidateListItem(item, c.snap))
		if _, flagged := rules.ItemFunding(&item.Spec); flagged != nil {
			// Admission warns and the review units decide (S20).
			c.add(m, severityWarning, rules.RuleOf(flagged), flagged.Field, rules.Sentence(flagged))
		}
	}
	c.checkApplicants()
	flagged := c.checkApprovals()
	phases := c.evaluate(at, flagged, requireApproved)
	c.checkVillageRecords()
	c.checkEmergencyDecisions(at)
	c.checkSignboards()
	c.checkTasks(phases, at)

	slices.SortStableFunc(c.findings, func(a, b finding) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Document, b.Document))
	})
	r := validateReport{TypeMeta: resultType("ValidationReport"), Findings: c.findings, Items: phases}
	if r.Findings == nil {
		r.Findings = []finding{}
	}
	r.Summary = validateSummary{Objects: len(ms), Items: len(phases), Phases: map[string]int{}}
	for _, f := range r.Findings {
		switch f.Severity {
		case severityError:
			r.Summary.Errors++
		case severityWarning:
			r.Summary.Warnings++
		case severityInfo:
			r.Summary.Info++
		}
	}
	for _, p := range phases {
		r.Summary.Phases[p.Phase]++
	}
	return r
}

// newChecker indexes ms into a new checker's snapshot.
func newChecker(ms []manifest) *checker {
	c := &checker{snap: rules.NewMemory(), namespaces: map[string]string{}, villageManifest: map[string]manifest{}, byKind: map[string][]manifest{}, members: sets.New[string]()}
	c.index(ms)
	return c
}

// index fills the snapshot: the first definition of an object counts, a
// second one is an error (kustomize and kubectl apply would refuse it too).
func (c *checker) index(ms []manifest) {
	seen := make(map[string]manifest, len(ms))
	for _, m := range ms {
		key := m.gvk.GroupKind().String() + "/" + m.name()
		if first, dup := seen[key]; dup {
			c.add(m, severityError, "", "", fmt.Sprintf("对象重复定义，首次定义于 %s / the object is defined twice, first in %s", first.where(), first.where()))
			continue
		}
		seen[key] = m
		c.byKind[m.gvk.Kind] = append(c.byKind[m.gvk.Kind], m)
		switch o := m.obj.(type) {
		case *governancev1alpha1.Village:
			c.snap.Counties.Insert(o.Spec.County.Code)
			c.villages = append(c.villages, o)
			c.villageManifest[o.Name] = m
		case *corev1.Namespace:
			c.namespaces[o.Name] = o.Labels[governancev1alpha1.LabelDepartment]
			if id := o.Labels[governancev1alpha1.LabelDepartment]; id != "" {
				c.snap.Departments.Insert(id)
			}
			if c.areas == nil {
				c.areas = map[string]rules.DepartmentArea{}
			}
			c.areas[o.Name] = rules.AreaOfNamespace(o.Labels)
		case *governancev1alpha1.EmergencyExemption:
			c.exemptions = append(c.exemptions, *o)
		case *governancev1alpha1.Task:
			c.tasks = append(c.tasks, m)
		case *governancev1alpha1.ReviewUnit:
			c.snap.Units[o.Name] = o
			c.units = append(c.units, m)
		case *governancev1alpha1.PowerFlow:
			c.snap.Flows[o.Name] = o
			c.flows = append(c.flows, m)
		case *governancev1alpha1.ListItem:
			c.snap.Items[o.Name] = o
			c.items = append(c.items, m)
		case *governancev1alpha1.ItemApproval:
			c.approvals = append(c.approvals, m)
		case *governancev1alpha1.ListRollout:
			c.rollouts = append(c.rollouts, m)
		case *governancev1alpha1.Jurisdiction:
			c.jurisdictions = append(c.jurisdictions, m)
		}
	}
	list := make([]governancev1alpha1.Jurisdiction, len(c.jurisdictions))
	for i, m := range c.jurisdictions {
		list[i] = *m.obj.(*governancev1alpha1.Jurisdiction)
	}
	c.snap.Juris = rules.NewJurisdictions(list)
}

// checkJurisdictions runs admission's rules on the jurisdictions, the
// villages' membership of them and the rollouts' reach (S1).
func (c *checker) checkJurisdictions() {
	for _, m := range c.jurisdictions {
		jur := m.obj.(*governancev1alpha1.Jurisdiction)
		c.addFieldErrors(m, rules.S1, rules.ValidateJurisdiction(jur, c.jurisdictionsBesides(jur)))
		errs, doubtful := rules.ValidateAdmissionOverrides(jur, folderRegistry{c.snap})
		c.addFieldErrors(m, rules.S1, errs)
		for _, e := range doubtful {
			c.add(m, severityWarning, rules.RuleOf(e), e.Field, rules.Sentence(e))
		}
	}
	for _, v := range c.villages {
		if errs := rules.ValidateVillageJurisdiction(v, c.snap.Juris); len(errs) > 0 {
			c.addFieldErrors(c.villageManifest[v.Name], rules.S1, errs)
		}
		c.addFieldErrors(c.villageManifest[v.Name], rules.S11, rules.ValidateEnrolment(v))
		if e := rules.DeprecatedEnrolment(v); e != nil {
			c.add(c.villageManifest[v.Name], severityWarning, rules.RuleOf(e), e.Field, rules.Sentence(e))
		}
	}
	for _, m := range c.rollouts {
		c.addFieldErrors(m, rules.S1, rules.ValidateRolloutSteps(m.obj.(*governancev1alpha1.ListRollout), c.snap.Juris))
	}
}

// folderRegistry is what the folder tells of counties and departments: a
// folder with no Village (or no department's Namespace) cannot tell that a
// county (or department) is unknown.
type folderRegistry struct{ m *rules.Memory }

func (r folderRegistry) CountyKnown(code string) bool {
	return r.m.Counties.Len() == 0 || r.m.Counties.Has(code)
}

func (r folderRegistry) DepartmentKnown(id string) bool {
	return r.m.Departments.Len() == 0 || r.m.Departments.Has(id)
}

// checkApprovals runs admission's rule on every approval. A signed one must
// verify against its unit's keys; who applies an unsigned one cannot be
// known offline, so it is checked as if a member of its unit applied it and
// reported as info. It returns the approvals that have a finding already.
func (c *checker) checkApprovals() map[string]bool {
	type result struct {
		errs     field.ErrorList
		unsigned *governancev1alpha1.ReviewUnit
		// member: an unsigned approval applied --as a member of its unit
		member bool
	}
	results := make([]result, len(c.approvals))
	parallel(len(c.approvals), func(i int) {
		a := c.approvals[i].obj.(*governancev1alpha1.ItemApproval)
		who := rules.Requester{Username: offlineUser}
		unit := c.snap.ReviewUnit(a.Spec.Unit)
		switch {
		case c.as != nil: // admission records the membership it checked
			who = *c.as
			results[i].member = a.Spec.Signature == nil
		case a.Spec.Signature == nil && unit != nil:
			who.Groups = []string{unit.Spec.Group}
			results[i].unsigned = unit
		}
		_, results[i].errs = rules.ValidateItemApproval(a, who, c.snap)
	})
	flagged := map[string]bool{}
	for i, r := range results {
		m := c.approvals[i]
		c.addFieldErrors(m, rules.S5, r.errs)
		switch {
		case len(r.errs) > 0:
			flagged[m.name()] = true
		case r.member:
			c.members.Insert(m.name())
		case r.unsigned != nil:
			u := r.unsigned
			c.add(m, severityInfo, rules.S5, "", fmt.Sprintf("%s 未签名的审核意见无法离线验证：准入时只接受联审单位 %q 成员（组 %s）提交，离线评估不计入；经 GitOps 提交请用 kubectl cunshe approve 签名"+
				" / an unsigned approval cannot be verified offline: admission accepts it only from a member of review unit %q (group %s), so the offline evaluation does not count it; sign it with kubectl cunshe approve to apply it through GitOps",
				rules.S5, u.Name, u.Spec.Group, u.Name, u.Spec.Group))
			flagged[m.name()] = true
		}
	}
	return flagged
}

// evaluate runs EvaluateItem on every item with its approvals, reports the
// approvals that do not count and those whose item is not in the folder.
func (c *checker) evaluate(at time.Time, flagged map[string]bool, requireApproved bool) []itemPhase {
	units := c.snap.ReviewUnits()
	byItem := map[string][]governancev1alpha1.ItemApproval{}
	where := map[string]manifest{}
	for _, m := range c.approvals {
		a := m.obj.(*governancev1alpha1.ItemApproval)
		where[a.Name] = m
		if c.snap.Items[a.Spec.Item] == nil {
			c.add(m, severityWarning, rules.S5, "spec.item", fmt.Sprintf("%s 事项 %q 不在所检查的文件中；该意见在事项创建且摘要一致时才生效 / item %q is not among the checked manifests; the approval counts once it exists with this digest",
				rules.S5, a.Spec.Item, a.Spec.Item))
			continue
		}
		submitted := asSubmitted(a)
		if c.members.Has(a.Name) {
			metav1.SetMetaDataAnnotation(&submitted.ObjectMeta, governancev1alpha1.AnnotationVerifiedBy, string(governancev1alpha1.VerifiedByMembership))
		}
		byItem[a.Spec.Item] = append(byItem[a.Spec.Item], submitted)
	}
	evals := make([]rules.Evaluation, len(c.items))
	parallel(len(c.items), func(i int) {
		item := c.items[i].obj.(*governancev1alpha1.ListItem)
		evals[i] = rules.EvaluateItem(item, c.flowOf(item), units, byItem[item.Name], c.snap.Juris, c.snap.Juris.Today(item.Spec.Jurisdiction, at))
	})
	phases := make([]itemPhase, len(c.items))
	for i, m := range c.items {
		item, e := m.obj.(*governancev1alpha1.ListItem), evals[i]
		for _, name := range sortedKeys(e.Void) {
			if !flagged[name] {
				c.add(where[name], severityWarning, rules.S5, "", e.Void[name])
			}
		}
		if r := lapsing(item, e.Phase, c.snap.Juris.Today(item.Spec.Jurisdiction, at), c.lapsingDays); r != nil {
			c.add(m, severityInfo, rules.S7, "spec.basis.validUntil", fmt.Sprintf("%s 事项的依据将于 %s 失效，届时自动退出清单；如需继续，请在此之前以新依据申报新事项 / the item's basis lapses on %s and the item retires that day; to go on, propose a new item on a new basis before then",
				rules.S7, r.Effective, r.Effective))
		}
		if requireApproved && e.Phase != governancev1alpha1.PhaseApproved && e.Phase != governancev1alpha1.PhaseRetired {
			c.add(m, severityError, rules.S5, "", fmt.Sprintf("%s 事项未通过联合审核（%s，%s 个必需单位同意）/ the item is not approved by the joint review (%s, %s required units approve)",
				rules.S5, e.Phase, e.Summary(), e.Phase, e.Summary()))
		}
		phases[i] = itemPhase{File: m.file, Document: m.index, Name: item.Name, List: string(item.Spec.List), Title: item.Spec.Title,
			Phase: string(e.Phase), Approvals: e.Summary(), Digest: e.Digest}
	}
	// The six lists in their official order, each in file order.
	slices.SortStableFunc(phases, func(a, b itemPhase) int {
		return cmp.Compare(listOrder(a.List), listOrder(b.List))
	})
	return phases
}

// defaultLapsingDays is how far ahead validate lists a basis that lapses
// (S7), unless --lapsing-within says otherwise.
const defaultLapsingDays = 30

// lapsing is the coming retirement of an item the folder approves whose
// basis lapses within days, or nil. Offline, the evaluation says approved:
// a manifest carries no status.
func lapsing(item *governancev1alpha1.ListItem, phase governancev1alpha1.ItemPhase, today string, days int) *governancev1alpha1.Retirement {
	if phase != governancev1alpha1.PhaseApproved {
		return nil
	}
	return rules.LapsingWithin(item, today, days)
}

// asSubmitted is the approval as admission would receive it: its
// verified-by annotation is recorded by admission, never taken from the
// client, so the file's value is dropped before EvaluateItem sees it.
func asSubmitted(a *governancev1alpha1.ItemApproval) governancev1alpha1.ItemApproval {
	out := *a
	if _, ok := a.Annotations[governancev1alpha1.AnnotationVerifiedBy]; ok {
		out.Annotations = make(map[string]string, len(a.Annotations))
		for k, v := range a.Annotations {
			if k != governancev1alpha1.AnnotationVerifiedBy {
				out.Annotations[k] = v
			}
		}
	}
	return out
}

func listOrder(list string) int {
	if i := slices.Index(governancev1alpha1.Lists, governancev1alpha1.ListKind(list)); i >= 0 {
		return i
	}
	return len(governancev1alpha1.Lists)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// addFieldErrors adds the rule engine's findings on m as errors: admission
// would refuse m. defaultRule names the rule of findings whose message does
// not (a duplicate step id is P1).
func (c *checker) addFieldErrors(m manifest, defaultRule string, errs field.ErrorList) {
	for _, e := range errs {
		msg := e.Detail
		if msg == "" { // e.g. field.Duplicate: say it in Chinese too
			msg = cmp.Or(errorTypeZH[e.Type], "值无效") + " / " + e.ErrorBody()
			if defaultRule != "" {
				msg = defaultRule + " " + msg
			}
		}
		c.add(m, severityError, cmp.Or(rules.RuleOf(e), defaultRule), e.Field, msg)
	}
}

func (c *checker) add(m manifest, severity, rule, fieldPath, msg string) {
	c.findings = append(c.findings, finding{File: m.file, Document: m.index, Object: m.ref(), Severity: severity, Rule: rule, Field: fieldPath, Message: msg})
}

// errorTypeZH names field error types in Chinese, for errors without a detail.
var errorTypeZH = map[field.ErrorType]string{
	field.ErrorTypeDuplicate: "值重复",
	field.ErrorTypeNotFound:  "未找到",
	field.ErrorTypeRequired:  "必填",
}

// text renders the report for people: one line per finding, then the
// items' phases and a summary.
func (r validateReport) text() string {
	var b strings.Builder
	for _, f := range r.Findings {
		rule := cmp.Or(f.Rule, "-")
		fmt.Fprintf(&b, "%s#%d %s: %s %s ", f.File, f.Document, f.Object, f.Severity, rule)
		if f.Field != "" {
			fmt.Fprintf(&b, "%s: ", f.Field)
		}
		b.WriteString(strings.TrimPrefix(f.Message, f.Rule+" "))
		b.WriteByte('\n')
	}
	if len(r.Items) > 0 {
		if len(r.Findings) > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("事项审核状态 / item phases (EvaluateItem):\n")
		for _, p := range r.Items {
			fmt.Fprintf(&b, "%s#%d ListItem/%s: %s %s %s %s\n", p.File, p.Document, p.Name, p.Phase, p.Approvals, p.List, p.Title)
		}
	}
	s := r.Summary
	fmt.Fprintf(&b, "\n汇总 / summary: %d 个文件，%d 个对象 / %d files, %d objects; 错误 / errors %d, 警告 / warnings %d, 提示 / info %d; 事项 / items %d",
		s.Files, s.Objects, s.Files, s.Objects, s.Errors, s.Warnings, s.Info, s.Items)
	var phases []string
	for _, p := range []governancev1alpha1.ItemPhase{governancev1alpha1.PhaseApproved, governancev1alpha1.PhasePending, governancev1alpha1.PhaseRejected, governancev1alpha1.PhaseRetired} {
		if n := s.Phases[string(p)]; n > 0 {
			phases = append(phases, fmt.Sprintf("%s %d", p, n))
		}
	}
	if len(phases) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(phases, ", "))
	}
	b.WriteByte('\n')
	return b.String()
}

// flowOf is the flow an item names among the checked manifests, which
// Digest counts for MicroPower items (P1); nil for none.
func (c *checker) flowOf(item *governancev1alpha1.ListItem) *governancev1alpha1.PowerFlowSpec {
	if f := c.snap.Flows[item.Spec.FlowRef]; f != nil {
		return &f.Spec
	}
	return nil
}
