// Package rules is the one rule engine: pure functions over a Snapshot of
// the lists, approvals, review units, villages and flows. The admission
// webhooks, the controllers, the CLI (kubectl cunshe validate) and the tests
// all call these functions, so they can never disagree. Every rule names its
// source in the city's notice (S1–S20, P1) and speaks Chinese and English.
package rules

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// Rule IDs of the notice (see docs and ../shared/seed/notice-en.md).
const (
	S1 = "S1" // six lists and one process; nothing outside them
	S2 = "S2" // departments may not change items or enlarge their scope
	S3 = "S3" // the basis an item needs
	S4 = "S4" // who may apply
	S5 = "S5" // joint review by all four units
	S7 = "S7" // clean-up and retirement
	P1 = "P1" // micro-power flowcharts
)

// Message is a finding's text in Chinese and English and the rule it cites.
// The rule travels as data: findings carry it in field.Error.Origin (RuleOf),
// so metrics, JSON output and tests read it without parsing the text.
type Message struct {
	Rule string
	Text string
}

func (m Message) String() string { return m.Text }

// Error lets a Message be returned as an error (VerifySignature).
func (m Message) Error() string { return m.Text }

// msg is the one bilingual message helper: the rule, the Chinese and the
// English sentence, and their arguments given once (a sentence that needs
// them in another order uses explicit indexes such as %[2]s).
func msg(rule, zh, en string, args ...any) Message {
	return Message{Rule: rule, Text: rule + " " + fmt.Sprintf(zh, args...) + " / " + fmt.Sprintf(en, args...)}
}

// finding stamps a field error with its message and rule.
func finding(e *field.Error, m Message) *field.Error {
	e.Detail, e.Origin = m.Text, m.Rule
	return e
}

func invalid(path *field.Path, value any, m Message) *field.Error {
	return finding(field.Invalid(path, value, ""), m)
}

func required(path *field.Path, m Message) *field.Error {
	return finding(field.Required(path, ""), m)
}

func forbidden(path *field.Path, m Message) *field.Error {
	return finding(field.Forbidden(path, ""), m)
}

// notFound reports a reference to something that does not exist, keeping
// the bad value and the bilingual explanation apart (field.NotFound would
// quote the explanation as if it were the value).
func notFound(path *field.Path, value any, m Message) *field.Error {
	return finding(&field.Error{Type: field.ErrorTypeNotFound, Field: path.String(), BadValue: value}, m)
}

// Sentence is the message a user reads for a finding.
func Sentence(e *field.Error) string {
	if e.Detail != "" {
		return e.Detail
	}
	s, _ := e.BadValue.(string)
	return s
}

// RuleOf is the rule ID (S1–S20, P1) a finding cites, or "" for an error
// that is not one of the notice's rules (e.g. a malformed object).
func RuleOf(e *field.Error) string { return e.Origin }

// Snapshot is what the rules may know of the cluster (or of a folder of
// manifests, for the CLI). Implementations must not call the API server
// from these methods in a way that changes anything.
type Snapshot interface {
	ReviewUnit(name string) *governancev1alpha1.ReviewUnit
	ReviewUnits() []governancev1alpha1.ReviewUnit
	PowerFlow(name string) *governancev1alpha1.PowerFlow
	ListItem(name string) *governancev1alpha1.ListItem
	// ItemsUsingFlow names the items, not yet retired, whose flowRef is the flow.
	ItemsUsingFlow(flow string) []string
	// CountyKnown reports whether a village of the registry lies in the county.
	CountyKnown(code string) bool
	// DepartmentKnown reports whether a namespace carries the department label (S4).
	DepartmentKnown(id string) bool
	// Jurisdictions are the cities and provinces the cluster declares.
	Jurisdictions() Jurisdictions
}

// Memory is a Snapshot held in maps; the CLI and the tests fill it directly.
type Memory struct {
	Units       map[string]*governancev1alpha1.ReviewUnit
	Flows       map[string]*governancev1alpha1.PowerFlow
	Items       map[string]*governancev1alpha1.ListItem
	Counties    sets.Set[string]
	Departments sets.Set[string]
	// Villages and Revisions answer the task rules: the villages with the
	// revision each holds, and the items of each revision.
	Villages *VillageIndex
	// Revisions are the items of each city's revisions.
	Revisions map[RevisionKey]sets.Set[string]
	// Juris are the declared jurisdictions (none: one unnamed city).
	Juris Jurisdictions
}

// RevisionKey names one city's revision: revisions are numbered per city.
type RevisionKey struct {
	City   string
	Number int64
}

// NewMemory returns an empty snapshot.
func NewMemory() *Memory {
	return &Memory{
		Units: map[string]*governancev1alpha1.ReviewUnit{}, Flows: map[string]*governancev1alpha1.PowerFlow{},
		Items: map[string]*governancev1alpha1.ListItem{}, Counties: sets.New[string](), Departments: sets.New[string](),
		Villages: NewVillageIndex(), Revisions: map[RevisionKey]sets.Set[string]{},
	}
}

func (m *Memory) ReviewUnit(name string) *governancev1alpha1.ReviewUnit { return m.Units[name] }

func (m *Memory) ReviewUnits() []governancev1alpha1.ReviewUnit {
	out := make([]governancev1alpha1.ReviewUnit, 0, len(m.Units))
	for _, name := range sets.List(sets.KeySet(m.Units)) {
		out = append(out, *m.Units[name])
	}
	return out
}

func (m *Memory) PowerFlow(name string) *governancev1alpha1.PowerFlow { return m.Flows[name] }

func (m *Memory) ListItem(name string) *governancev1alpha1.ListItem { return m.Items[name] }

func (m *Memory) ItemsUsingFlow(flow string) []string {
	var names []string
	for name, item := range m.Items {
		if item.Spec.FlowRef == flow && item.Status.Phase != governancev1alpha1.PhaseRetired {
			names = append(names, name)
		}
	}
	return sets.List(sets.New(names...))
}

func (m *Memory) CountyKnown(code string) bool { return m.Counties.Has(code) }

func (m *Memory) DepartmentKnown(id string) bool { return m.Departments.Has(id) }

func (m *Memory) VillageIndex() *VillageIndex { return m.Villages }

func (m *Memory) Jurisdictions() Jurisdictions { return m.Juris }

func (m *Memory) RevisionHas(city string, revision int64, item string) bool {
	return m.Revisions[RevisionKey{City: city, Number: revision}].Has(item)
}

// PublishedItems are the items of the city's newest revision.
func (m *Memory) PublishedItems(city string) []ItemTitle {
	var newest int64
	for key := range m.Revisions {
		if key.City == city {
			newest = max(newest, key.Number)
		}
	}
	var out []ItemTitle
	for _, name := range sets.List(m.Revisions[RevisionKey{City: city, Number: newest}]) {
		if item := m.Items[name]; item != nil {
			out = append(out, ItemTitle{Name: name, List: item.Spec.List, Title: item.Spec.Title})
		}
	}
	return out
}
