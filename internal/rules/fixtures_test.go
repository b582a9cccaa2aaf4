package rules_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// The fixtures are Wenzhou's: its 12 county codes, a few city departments,
// the four joint review units of S5 and the 四议两公开 flow (notes/domain.md).

// counties are Wenzhou's county-level divisions (../shared/data/wenzhou-divisions.csv).
var counties = []string{"330302", "330303", "330304", "330305", "330324", "330326", "330327", "330328", "330329", "330381", "330382", "330383"}

// departments are ids of city departments, as their namespaces' label carries them.
var departments = []string{"tjj", "mzj", "ybj", "nyncj", "zjj", "jyj", "wjw", "rsj"}

// requiredUnits are the four joint review units of S5.
var requiredUnits = []string{"sjw", "zzb", "mzj", "nyncj"}

// unitKey is a review unit's signing key, derived from its name so that
// every run (and every golden value) is the same.
func unitKey(unit string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("cunshe-test-key/" + unit))
	return ed25519.NewKeyFromSeed(seed[:])
}

// keyID is the id a unit's current key is published under.
func keyID(unit string) string { return unit + "-2026" }

func publicKeyB64(key ed25519.PrivateKey) string {
	return base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
}

// reviewUnit is a required unit whose group is cunshe:unit:NAME and whose
// one key is unitKey(NAME) under keyID(NAME).
func reviewUnit(name string) governancev1alpha1.ReviewUnit {
	return governancev1alpha1.ReviewUnit{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: governancev1alpha1.ReviewUnitSpec{
			DisplayName: name,
			Group:       "cunshe:unit:" + name,
			PublicKeys:  []governancev1alpha1.PublicKey{{ID: keyID(name), Ed25519: publicKeyB64(unitKey(name))}},
		},
	}
}

// optionalUnit is a unit whose approval is recorded but not required.
func optionalUnit(name string) governancev1alpha1.ReviewUnit {
	u := reviewUnit(name)
	u.Spec.Required = ptr.To(false)
	return u
}

func fourUnits() []governancev1alpha1.ReviewUnit {
	var units []governancev1alpha1.ReviewUnit
	for _, name := range requiredUnits {
		units = append(units, reviewUnit(name))
	}
	return units
}

// fourDiscussions is "四议两公开", the standard flow for major village
// decisions, with two branches: the Party members' meeting may send a
// proposal back (a loop with a way out), and the villagers' meeting may
// vote it down (a second end).
func fourDiscussions(name string) *governancev1alpha1.PowerFlow {
	return &governancev1alpha1.PowerFlow{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: governancev1alpha1.PowerFlowSpec{
			Title: "村级重大事项决策（四议两公开）",
			Start: "propose",
			Steps: []governancev1alpha1.FlowStep{
				{ID: "propose", Name: "村党组织提议", Actor: governancev1alpha1.ActorPartyOrganization, Next: []string{"discuss"}},
				{ID: "discuss", Name: "村两委会议商议", Actor: governancev1alpha1.ActorVillagersCommittee, Next: []string{"review"}},
				{ID: "review", Name: "党员大会审议", Actor: governancev1alpha1.ActorPartyOrganization, Next: []string{"resolve", "propose"}},
				{ID: "resolve", Name: "村民（代表）会议决议", Actor: governancev1alpha1.ActorVillagersAssembly, Next: []string{"publish-resolution", "archive-rejected"}},
				{ID: "publish-resolution", Name: "决议公开", Actor: governancev1alpha1.ActorVillagersCommittee, PublicNotice: true, Next: []string{"implement"}},
				{ID: "implement", Name: "组织实施", Actor: governancev1alpha1.ActorVillagersCommittee, Next: []string{"publish-result"}},
				{ID: "publish-result", Name: "实施结果公开", Actor: governancev1alpha1.ActorSupervisionCommittee, PublicNotice: true},
				{ID: "archive-rejected", Name: "未通过事项归档", Actor: governancev1alpha1.ActorSupervisionCommittee},
			},
		},
	}
}

// snapshot is the cluster the list-item rules see: Wenzhou's counties,
// the departments, the four units and one flow, "major-decision".
func snapshot() *rules.Memory {
	m := rules.NewMemory()
	m.Counties = sets.New(counties...)
	m.Departments = sets.New(departments...)
	for _, u := range fourUnits() {
		m.Units[u.Name] = &u
	}
	m.Flows["major-decision"] = fourDiscussions("major-decision")
	return m
}

// censusItem is a realistic L1 item: villages assist the population census.
func censusItem() *governancev1alpha1.ListItem {
	return &governancev1alpha1.ListItem{
		ObjectMeta: metav1.ObjectMeta{Name: "l1-census-assist"},
		Spec: governancev1alpha1.ListItemSpec{
			List:                   governancev1alpha1.ListAdmission,
			Title:                  "协助开展人口普查入户登记",
			Content:                "配合统计部门开展人口普查及抽样调查的入户摸底、登记工作。",
			Applicant:              governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCityDepartment, Name: "tjj"},
			Basis:                  governancev1alpha1.Basis{Kind: governancev1alpha1.BasisLaw, Citation: "《全国人口普查条例》第十条"},
			VillageRole:            governancev1alpha1.RoleAssist,
			ResponsibleDepartments: []string{"tjj"},
			ResidentFacing:         true,
		},
	}
}

// projectItem is a realistic L6 item: small village works follow 四议两公开.
func projectItem() *governancev1alpha1.ListItem {
	return &governancev1alpha1.ListItem{
		ObjectMeta: metav1.ObjectMeta{Name: "l6-village-project"},
		Spec: governancev1alpha1.ListItemSpec{
			List:      governancev1alpha1.ListMicroPower,
			Title:     "村级工程项目",
			Content:   "村级小型工程项目的立项、招投标与验收。",
			Applicant: governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCounty, Name: "330302"},
			Basis:     governancev1alpha1.Basis{Kind: governancev1alpha1.BasisCityDocument, Citation: "温委办发〔2019〕58号"},
			FlowRef:   "major-decision",
		},
	}
}

// approved marks an item as approved at its current digest.
func approved(item *governancev1alpha1.ListItem) *governancev1alpha1.ListItem {
	item.Status.ApprovedDigest = rules.Digest(&item.Spec, nil)
	item.Status.Phase = governancev1alpha1.PhaseApproved
	return item
}

// t0 is when the fixtures' approvals are made; later ones add minutes.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// approval is unit's unsigned decision on the item's current digest, as
// admission leaves it for a member of the unit: annotated Membership.
func approval(item *governancev1alpha1.ListItem, unit string, decision governancev1alpha1.ApprovalDecision, minute int) governancev1alpha1.ItemApproval {
	return governancev1alpha1.ItemApproval{
		ObjectMeta: metav1.ObjectMeta{
			Name:              fmt.Sprintf("%s.%s.%02d", item.Name, unit, minute),
			CreationTimestamp: metav1.NewTime(t0.Add(time.Duration(minute) * time.Minute)),
			Annotations: map[string]string{
				governancev1alpha1.AnnotationCreatedBy:  unit + "-clerk",
				governancev1alpha1.AnnotationVerifiedBy: string(governancev1alpha1.VerifiedByMembership),
			},
		},
		Spec: governancev1alpha1.ItemApprovalSpec{Item: item.Name, Digest: rules.Digest(&item.Spec, nil), Unit: unit, Decision: decision, Comment: "经审核，符合准入条件"},
	}
}

// signed signs an approval with its unit's current key, as a GitOps bot
// applies it: annotated Signature, created by the bot.
func signed(a governancev1alpha1.ItemApproval) governancev1alpha1.ItemApproval {
	rules.Sign(&a.Spec, keyID(a.Spec.Unit), unitKey(a.Spec.Unit))
	a.Annotations[governancev1alpha1.AnnotationCreatedBy] = "system:serviceaccount:argocd:argocd-application-controller"
	a.Annotations[governancev1alpha1.AnnotationVerifiedBy] = string(governancev1alpha1.VerifiedBySignature)
	return a
}

// finding is what a test expects of one field.Error.
type finding struct {
	// typ is the error type, e.g. field.ErrorTypeRequired.
	typ field.ErrorType
	// path is the field path, e.g. spec.basis.citation.
	path string
	// rule is the notice's rule the message must start with, e.g. S3.
	rule string
	// contains is a piece of the message, to tell findings of one rule apart.
	contains string
}

// text is the sentence a user reads for a finding. The rules put it in
// Detail, except for field.NotFound, which has no detail: there the rules
// pass the sentence as the "value" and the API prints it quoted.
func text(e *field.Error) string { return rules.Sentence(e) }

var (
	ruleID  = regexp.MustCompile(`^(S1|S2|S3|S4|S5|S6|S7|S8|S10|S11|S12|S13|S14|S15|S16|S17|S19|S20|P1) `)
	english = regexp.MustCompile(`[A-Za-z]{3,}`)
)

// bilingual fails unless s starts with a rule ID and reads "<rule> 中文 / English".
func bilingual(g Gomega, s string) {
	g.ExpectWithOffset(1, s).NotTo(ContainSubstring("%!"), "a formatting slip (arguments of the Chinese and English sentences)")
	g.ExpectWithOffset(1, s).To(MatchRegexp(`^(S1|S2|S3|S4|S5|S6|S7|S8|S10|S11|S12|S13|S14|S15|S16|S17|S19|S20|P1) `), "a message starts with its rule ID")
	zh, en, ok := strings.Cut(s, " / ")
	g.ExpectWithOffset(1, ok).To(BeTrue(), "a message separates Chinese and English with \" / \": %s", s)
	g.ExpectWithOffset(1, strings.ContainsFunc(zh, isHan)).To(BeTrue(), "Chinese before \" / \": %s", s)
	g.ExpectWithOffset(1, english.MatchString(en)).To(BeTrue(), "English after \" / \": %s", s)
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// expectFindings checks errs against want, in order.
func expectFindings(t *testing.T, errs field.ErrorList, want []finding) {
	t.Helper()
	g := NewWithT(t)
	got := make([]string, len(errs))
	for i, e := range errs {
		got[i] = e.Error()
	}
	g.Expect(errs).To(HaveLen(len(want)), "findings: %q", got)
	for i, w := range want {
		e := errs[i]
		g.Expect(e.Type).To(Equal(w.typ), "type of %s", got[i])
		g.Expect(e.Field).To(Equal(w.path), "path of %s", got[i])
		g.Expect(rules.RuleOf(e)).To(Equal(w.rule), "the rule as data (field.Error.Origin) of %s", got[i])
		g.Expect(text(e)).To(HavePrefix(w.rule+" "), "rule of %s", got[i])
		g.Expect(text(e)).NotTo(ContainSubstring("%!"), "a formatting slip in %s", got[i])
		g.Expect(text(e)).To(ContainSubstring(w.contains), "message of %s", got[i])
		bilingual(g, text(e))
	}
}
