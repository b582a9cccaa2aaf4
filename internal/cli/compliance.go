package cli

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/cli-runtime/pkg/printers"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// compliance is the counties' and departments' summaries (S18, S19) as the
// compliance command prints them.
type compliance struct {
	counties    []governancev1alpha1.CountyCompliance
	departments []governancev1alpha1.DepartmentCompliance
	// countyNames maps county codes to names, as far as they are known.
	countyNames map[string]string
}

func newComplianceCommand() *cobra.Command {
	var k *clusterFlags
	var p *printFlags
	var files []string
	var today string
	cmd := &cobra.Command{
		Use:   "compliance [-f DIR]... [--today YYYY-MM-DD] [-o json|yaml|name]",
		Short: "县（市、区）和部门的整改情况 / counties' and departments' rectification (S18, S19)",
		Long: `列出每个县（市、区）和每个部门的整改情况（S18、S19）：清单外任务（审计认定不符合清单的任务）、
待清理事项（县级申报尚未通过或被否决的事项）、未办结的反映、本市的整改期限，以及距期限的天数；
期限已过仍有未整改事项的县（市、区）和部门标为“已通报 / NAMED”，并列出通报内容。默认读取集群中由
系统维护的 CountyCompliance 和 DepartmentCompliance；用 -f 则从清单文件（目录递归，可多次给出，
- 为标准输入）离线计算，所用规则函数与集群中的控制器相同（rules.SummariseCounty、
SummariseDepartment、Rectify）：任务按准入规则审计、反映按处理意见认定、事项按联合审核评估。
--today 指定离线计算所按的日期（本市时区，默认今天）。-o json|yaml 输出 CountyCompliance 与
DepartmentCompliance 对象的 List（离线时为控制器会写入的状态），-o name 列出对象名称。

Lists each county's (县（市、区）) and each department's rectification
(S18, S19): tasks off the lists (the audit found them NonCompliant), items
pending clean-up (a county's items still pending or rejected), open
reports, the city's rectification deadline and the days left; a county or
department with work left after the deadline is NAMED, and the notices
are listed. Reads the CountyCompliances and DepartmentCompliances the
operator keeps in the cluster; with -f, computes them offline from
manifests (folders are read recursively; repeatable; - is stdin) with the
rule functions the controllers call (rules.SummariseCounty,
SummariseDepartment, Rectify): tasks audited with the admission rules,
reports decided by their ReportDecisions, items evaluated by the joint
review. --today is the day the offline summary is computed for (the
city's time zone; default today). -o json|yaml prints a List of the
CountyCompliance and DepartmentCompliance objects (offline: with the
status the controllers would write), -o name their names.`,
		Example: `  kubectl cunshe compliance
  kubectl cunshe compliance -o json | jq '.items[] | select(.status.rectification.named) | .metadata.name'
  kubectl cunshe compliance -f config/samples -f reports/ --today 2027-01-04`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			pr, err := p.printer(cmd)
			if err != nil {
				return err
			}
			var summaries *compliance
			if len(files) > 0 {
				summaries, err = complianceFromFiles(cmd, files, today)
			} else {
				if today != "" {
					return usageError(cmd, fmt.Errorf("--today 只用于 -f 离线计算；集群中的汇总由控制器按本市的日期维护 / --today goes with -f: the cluster's summaries are kept by the operator on the city's day"))
				}
				summaries, err = complianceFromCluster(cmd, k)
			}
			if err != nil {
				return err
			}
			if pr != nil {
				return summaries.print(cmd.OutOrStdout(), p, pr)
			}
			_, err = io.WriteString(cmd.OutOrStdout(), summaries.text())
			return err
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&files, "filename", "f", nil, "从这些清单文件或目录离线计算（可重复，- 为标准输入）/ compute offline from these manifest files or folders (repeatable; - is stdin)")
	f.StringVar(&today, "today", "", "离线计算所按的日期 YYYY-MM-DD（本市时区），默认今天 / the day to compute for offline, YYYY-MM-DD in the city's time zone; today by default")
	k = addClusterFlags(cmd, false)
	p = addPrintFlags(cmd, true)
	return cmd
}

// complianceFromCluster reads the summaries the operator keeps.
func complianceFromCluster(cmd *cobra.Command, k *clusterFlags) (*compliance, error) {
	ctx := cmd.Context()
	c, err := k.connect(cmd)
	if err != nil {
		return nil, err
	}
	counties := &governancev1alpha1.CountyComplianceList{}
	if err := listObjects(ctx, c, counties, "县（市、区）整改情况", "CountyCompliance"); err != nil {
		return nil, err
	}
	departments := &governancev1alpha1.DepartmentComplianceList{}
	if err := listObjects(ctx, c, departments, "部门清理情况", "DepartmentCompliance"); err != nil {
		return nil, err
	}
	out := &compliance{counties: counties.Items, departments: departments.Items, countyNames: countyNames(ctx, c)}
	out.sort()
	return out, nil
}

// complianceFromFiles computes the summaries of the manifests under paths.
func complianceFromFiles(cmd *cobra.Command, paths []string, today string) (*compliance, error) {
	var ms []manifest
	for _, path := range paths {
		_, more, err := loadManifests(cmd.InOrStdin(), path)
		if err != nil {
			return nil, inputError(err)
		}
		ms = append(ms, more...)
	}
	at := now()
	if today != "" {
		day, err := time.Parse(time.DateOnly, today)
		if err != nil {
			return nil, usageError(cmd, fmt.Errorf("--today %q 不是 YYYY-MM-DD 格式的日期 / --today %q is not a date YYYY-MM-DD", today, today))
		}
		at = day
	}
	out := summariseFolder(ms, at, today != "")
	out.sort()
	return out, nil
}

// summariseFolder computes, from a folder's manifests, the summaries the
// controllers would keep once the folder is applied: the items' phases as
// EvaluateItem decides them, published to the folder's villages; the
// reports' phases as DecideReport follows their decisions; the tasks'
// standing as the audit gives it (EvaluateTask, TaskPhase); then
// SummariseCounty, SummariseDepartment and Rectify on the city's day. at
// is the moment; onDay makes it the start of at's date in each city's time
// zone (--today) instead.
func summariseFolder(ms []manifest, at time.Time, onDay bool) *compliance {
	c := newChecker(ms)
	phases := c.evaluate(at, c.checkApprovals(), false)
	c.publishFolder(phases)
	juris := c.snap.Juris
	moment := func(city string) time.Time {
		if !onDay {
			return at
		}
		y, m, d := at.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, juris.Location(city))
	}
	reports := c.decidedReports(ms)
	tasks := c.auditedTasks(reports, moment)
	items := folderItems(c, phases)

	out := &compliance{countyNames: map[string]string{}}
	cities := map[string]sets.Set[string]{} // counties with villages, by city
	for _, v := range c.villages {
		out.countyNames[v.Spec.County.Code] = v.Spec.County.Name
		city := juris.CityOf(v.Spec.County.Code)
		if cities[city] == nil {
			cities[city] = sets.New[string]()
		}
		cities[city].Insert(v.Spec.County.Code)
	}
	for city, counties := range cities {
		deadline, today := cityDeadline(juris, city), juris.Today(city, moment(city))
		for county := range counties {
			s := rules.SummariseCounty(rules.CountyFacts{Code: county, Counties: counties}, tasks, reports, items)
			s.Rectification = rules.Rectify(deadline, today, rules.CountyRemaining(&s))
			cc := governancev1alpha1.CountyCompliance{ObjectMeta: metav1.ObjectMeta{Name: county}, Status: s}
			setRectified(&cc.Status.Conditions, rules.CountyRectifier(county), s.Rectification, moment(city))
			out.counties = append(out.counties, cc)
		}
	}
	city := juris.Default()
	deadline, today := cityDeadline(juris, city), juris.Today(city, moment(city))
	exemptions := c.standingExemptions(ms, moment(city))
	for _, dept := range summarisedDepartments(tasks, reports, exemptions) {
		s := rules.SummariseDepartment(tasksOf(tasks, dept), reportsAgainst(reports, dept))
		rules.SummariseExemptions(&s, exemptionsOf(exemptions, dept))
		s.Rectification = rules.Rectify(deadline, today, rules.DepartmentRemaining(&s))
		dc := governancev1alpha1.DepartmentCompliance{ObjectMeta: metav1.ObjectMeta{Name: dept}, Status: s}
		setRectified(&dc.Status.Conditions, rules.DepartmentRectifier(dept), s.Rectification, moment(city))
		out.departments = append(out.departments, dc)
	}
	return out
}

// cityDeadline is the city's rectification deadline (S18), "" when it sets none.
func cityDeadline(juris rules.Jurisdictions, city string) string {
	if j := juris.Get(city); j != nil {
		return j.Spec.RectificationDeadline
	}
	return ""
}

// setRectified sets the Rectified condition as the controllers do, as of at.
func setRectified(conditions *[]metav1.Condition, who rules.Rectifier, r *governancev1alpha1.Rectification, at time.Time) {
	if r == nil {
		return
	}
	c := rules.RectificationCondition(0, who, r)
	c.LastTransitionTime = metav1.NewTime(at.Truncate(time.Second))
	meta.SetStatusCondition(conditions, c)
}

// decidedReports are the folder's reports with the phase their decisions
// give them (DecideReport) and the department they are against: the task's
// namespace's label, or the department the demand names.
func (c *checker) decidedReports(ms []manifest) []governancev1alpha1.Report {
	decisions := map[string][]governancev1alpha1.ReportDecision{} // by namespace/report
	var reports []governancev1alpha1.Report
	for _, m := range ms {
		switch o := m.obj.(type) {
		case *governancev1alpha1.ReportDecision:
			key := o.Namespace + "/" + o.Spec.Report
			decisions[key] = append(decisions[key], *o)
		case *governancev1alpha1.Report:
			reports = append(reports, *o.DeepCopy())
		}
	}
	for i := range reports {
		r := &reports[i]
		outcome := rules.DecideReport(decisions[r.Namespace+"/"+r.Name])
		r.Status.Phase, r.Status.Findings, r.Status.Decisions = outcome.Phase, outcome.Findings, outcome.Decisions
		r.Status.Department = c.reportDepartment(r)
	}
	return reports
}

// reportDepartment is who a report is against, as the report controller reads it.
func (c *checker) reportDepartment(r *governancev1alpha1.Report) string {
	ref := r.Spec.TaskRef
	if ref == nil {
		if r.Spec.Demand == nil {
			return ""
		}
		return r.Spec.Demand.Department
	}
	if dept, known := c.namespaces[ref.Namespace]; known {
		return dept
	}
	for _, m := range c.tasks {
		if t := m.obj.(*governancev1alpha1.Task); t.Namespace == ref.Namespace && t.Name == ref.Name {
			return t.Labels[governancev1alpha1.LabelDepartment]
		}
	}
	return ""
}

// auditedTasks are the folder's tasks with the standing the audit gives
// them at the moment of their city: admission's rules against the folder's
// published lists, and the reports upheld against them.
func (c *checker) auditedTasks(reports []governancev1alpha1.Report, moment func(city string) time.Time) []governancev1alpha1.Task {
	upheld := map[string][]string{} // by the task's namespace/name
	for _, r := range reports {
		if ref := r.Spec.TaskRef; ref != nil && r.Status.Phase == governancev1alpha1.ReportUpheld {
			key := ref.Namespace + "/" + ref.Name
			upheld[key] = append(upheld[key], r.Namespace+"/"+r.Name)
		}
	}
	tasks := make([]governancev1alpha1.Task, 0, len(c.tasks))
	for _, m := range c.tasks {
		t := m.obj.(*governancev1alpha1.Task)
		now := moment(rules.TaskCity(t, c.snap.Juris))
		t = asAdmitted(t, now).DeepCopy()
		dept, _ := c.taskDepartment(t)
		v := rules.EvaluateTask(t, rules.TaskContext{Department: dept, Created: now}, c.snap)
		s := &t.Status
		s.Department, s.TargetVillages = dept, int32(v.TargetVillages)
		s.UpheldReports = upheld[t.Namespace+"/"+t.Name]
		slices.Sort(s.UpheldReports)
		for _, e := range v.Errs {
			s.Findings = append(s.Findings, rules.Sentence(e))
		}
		s.Phase = rules.TaskPhase(t, v, len(s.UpheldReports), now)
		tasks = append(tasks, *t)
	}
	return tasks
}

// folderItems are the folder's items with the status the item controller
// would give them: the evaluated phase, and the approved digest once
// approved.
func folderItems(c *checker, phases []itemPhase) []governancev1alpha1.ListItem {
	items := make([]governancev1alpha1.ListItem, 0, len(phases))
	for _, p := range phases {
		it := c.snap.Items[p.Name].DeepCopy()
		it.Status.Phase, it.Status.Digest = governancev1alpha1.ItemPhase(p.Phase), p.Digest
		if it.Status.Phase == governancev1alpha1.PhaseApproved || it.Status.Phase == governancev1alpha1.PhaseRetired {
			it.Status.ApprovedDigest = p.Digest
		}
		items = append(items, *it)
	}
	return items
}

// summarisedDepartments are the departments the controller keeps a summary
// for: those with a task or a report against them.
func summarisedDepartments(tasks []governancev1alpha1.Task, reports []governancev1alpha1.Report, exemptions []governancev1alpha1.EmergencyExemption) []string {
	depts := sets.New[string]()
	for _, t := range tasks {
		depts.Insert(t.Status.Department)
	}
	for _, r := range reports {
		depts.Insert(r.Status.Department)
	}
	for _, e := range exemptions {
		depts.Insert(e.Spec.Department)
	}
	depts.Delete("")
	return sets.List(depts)
}

// standingExemptions are the folder's emergency records (S6) with the
// standing their decisions and the clock give them at (StandingOf), as the
// operator keeps it.
func (c *checker) standingExemptions(ms []manifest, at time.Time) []governancev1alpha1.EmergencyExemption {
	decisions := map[string][]governancev1alpha1.EmergencyDecision{} // by namespace/exemption
	for _, m := range ms {
		if d, ok := m.obj.(*governancev1alpha1.EmergencyDecision); ok {
			decisions[d.Namespace+"/"+d.Spec.Exemption] = append(decisions[d.Namespace+"/"+d.Spec.Exemption], *d)
		}
	}
	out := make([]governancev1alpha1.EmergencyExemption, len(c.exemptions))
	for i := range c.exemptions {
		e := c.exemptions[i].DeepCopy()
		s := rules.StandingOf(e, decisions[e.Namespace+"/"+e.Name], rules.RatificationWindow(e, c.snap.Juris), at)
		e.Status.Phase, e.Status.Decisions = s.Phase, s.Decisions
		out[i] = *e
	}
	return out
}

func exemptionsOf(exemptions []governancev1alpha1.EmergencyExemption, dept string) []governancev1alpha1.EmergencyExemption {
	return slices.DeleteFunc(slices.Clone(exemptions), func(e governancev1alpha1.EmergencyExemption) bool { return e.Spec.Department != dept })
}

func tasksOf(tasks []governancev1alpha1.Task, dept string) []governancev1alpha1.Task {
	return slices.DeleteFunc(slices.Clone(tasks), func(t governancev1alpha1.Task) bool { return t.Status.Department != dept })
}

func reportsAgainst(reports []governancev1alpha1.Report, dept string) []governancev1alpha1.Report {
	return slices.DeleteFunc(slices.Clone(reports), func(r governancev1alpha1.Report) bool { return r.Status.Department != dept })
}

func (s *compliance) sort() {
	slices.SortFunc(s.counties, func(a, b governancev1alpha1.CountyCompliance) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortFunc(s.departments, func(a, b governancev1alpha1.DepartmentCompliance) int { return cmp.Compare(a.Name, b.Name) })
}

// objects are the summaries, counties first.
func (s *compliance) objects() []runtime.Object {
	objs := make([]runtime.Object, 0, len(s.counties)+len(s.departments))
	for i := range s.counties {
		objs = append(objs, withKind(&s.counties[i]))
	}
	for i := range s.departments {
		objs = append(objs, withKind(&s.departments[i]))
	}
	return objs
}

// print prints the summaries with -o's printer: always a v1 List (as
// kubectl get prints a kind), so that a script reads .items however many
// there are; -o name one line a summary.
func (s *compliance) print(w io.Writer, p *printFlags, pr printers.ResourcePrinter) error {
	if strings.EqualFold(*p.flags.OutputFormat, "name") {
		return p.printObjects(w, pr, s.objects()...)
	}
	list := &corev1.List{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "List"}, Items: []runtime.RawExtension{}}
	for _, o := range s.objects() {
		list.Items = append(list.Items, runtime.RawExtension{Object: o})
	}
	return pr.PrintObj(list, w)
}

// text is the summaries as the review units read them: a table of the
// counties, one of the departments, then the notices of those named (S19).
func (s *compliance) text() string {
	if len(s.counties)+len(s.departments) == 0 {
		return "尚无整改情况汇总 / no compliance summaries yet\n"
	}
	header := func(first string) []string {
		return []string{first, "清单外任务 / UNLISTED TASKS", "待清理事项 / PENDING ITEMS", "未办结反映 / OPEN REPORTS", "整改期限 / DEADLINE", "剩余天数 / DAYS LEFT"}
	}
	var b strings.Builder
	var named []string
	if len(s.counties) > 0 {
		rows := [][]string{header("县（市、区）/ COUNTY")}
		for _, cc := range s.counties {
			st := &cc.Status
			rows = append(rows, append([]string{countyLabel(cc.Name, s.countyNames), itoa32(st.NonCompliant), itoa32(st.PendingItems), itoa32(st.Reports.Open)}, deadlineCells(st.Rectification)...))
			named = appendNamed(named, st.Rectification, st.Conditions)
		}
		_ = writeTable(&b, "", rows)
	}
	if len(s.departments) > 0 {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		rows := [][]string{header("部门 / DEPARTMENT")}
		for _, dc := range s.departments {
			st := &dc.Status
			rows = append(rows, append([]string{dc.Name, itoa32(st.NonCompliant), "—", itoa32(st.Reports.Open)}, deadlineCells(st.Rectification)...))
			named = appendNamed(named, st.Rectification, st.Conditions)
		}
		_ = writeTable(&b, "", rows)
	}
	if len(named) > 0 {
		b.WriteString("\n通报 / named:\n  " + strings.Join(named, "\n  ") + "\n")
	}
	return b.String()
}

func itoa32(n int32) string { return strconv.Itoa(int(n)) }

// deadlineCells are the deadline and the days left, or where a summary
// stands instead: NAMED after the deadline with work left (S19), RECTIFIED
// with none; dashes when the city sets no deadline.
func deadlineCells(r *governancev1alpha1.Rectification) []string {
	switch {
	case r == nil:
		return []string{"—", "—"}
	case r.Named:
		return []string{r.Deadline, "已通报 / NAMED"}
	case r.Remaining == 0:
		return []string{r.Deadline, "已整改 / RECTIFIED"}
	}
	return []string{r.Deadline, strconv.Itoa(int(r.DaysLeft))}
}

// appendNamed adds the Rectified condition's message of a named summary.
func appendNamed(named []string, r *governancev1alpha1.Rectification, conditions []metav1.Condition) []string {
	if r == nil || !r.Named {
		return named
	}
	if c := meta.FindStatusCondition(conditions, governancev1alpha1.RectifiedCondition); c != nil {
		return append(named, c.Message)
	}
	return named
}
