package faults

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/config"
	"github.com/cunshe/cunshe-operator/internal/divisions"
	"github.com/cunshe/cunshe-operator/internal/operator"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/testenv"
)

// The suite's actors, each acting through its own identity as kubectl would.
const (
	department  = "tjj" // 市统计局: applies for items, creates tasks
	deciderUnit = "mzj" // 市民政局: decides villages' reports
	pilotCounty = "330302"
	rolloutName = "citywide"
)

// city is the Wenzhou city the scenarios work on, and a record of what the
// suite created in it, to tell afterwards whether anything was lost.
type city struct {
	h        *harness
	registry []governancev1alpha1.Village
	watch    *cityWatch
	units    testenv.Units

	mu sync.Mutex
	// created is how many villages of the registry exist so far.
	created int
	setUp   bool
	// items are the ListItems the suite created and approved.
	items     []string
	nextItem  int
	approvals map[string]bool
	// reports are the reports filed, with how many decisions each got.
	reports   map[types.NamespacedName]int
	decisions map[types.NamespacedName]bool
	sample    bool // the sample lists are in
	// reportedMixed and reportedRegressions are how many of the watch's
	// observations a check has already reported.
	reportedMixed, reportedRegressions int
}

func newCity(hh *harness) (*city, error) {
	all, err := divisions.Parse(config.SampleDivisions())
	if err != nil {
		return nil, err
	}
	c := &city{h: hh, registry: pick(all, hh.scale.villages),
		approvals: map[string]bool{}, reports: map[types.NamespacedName]int{}, decisions: map[types.NamespacedName]bool{}}
	c.watch, err = startCityWatch(hh.cfg)
	return c, err
}

// pick takes n villages spread over every county (round robin), or all.
func pick(all []governancev1alpha1.Village, n int) []governancev1alpha1.Village {
	if n == 0 || n >= len(all) {
		return all
	}
	byCounty := map[string][]governancev1alpha1.Village{}
	var counties []string
	for _, v := range all {
		if _, ok := byCounty[v.Spec.County.Code]; !ok {
			counties = append(counties, v.Spec.County.Code)
		}
		byCounty[v.Spec.County.Code] = append(byCounty[v.Spec.County.Code], v)
	}
	slices.Sort(counties)
	var out []governancev1alpha1.Village
	for i := 0; len(out) < n; i++ {
		for _, county := range counties {
			if vs := byCounty[county]; i < len(vs) && len(out) < n {
				out = append(out, vs[i])
			}
		}
	}
	return out
}

// ensureSetUp creates what every scenario relies on, once (a manager must
// be running: the webhooks admit these): the Jurisdiction of the wenzhou
// preset, the four review units with fresh keys, the departments, the
// actors' bindings, the rollout and a first approved item.
func (c *city) ensureSetUp(ctx context.Context) error {
	if c.setUp {
		return nil
	}
	if _, err := operator.ApplyPreset(ctx, c.h.client, operator.DefaultPreset); err != nil {
		return err
	}
	departments, err := sampleObjects("departments.yaml")
	if err != nil {
		return err
	}
	for _, obj := range departments {
		if err := c.create(ctx, c.h.client, obj); err != nil {
			return err
		}
	}
	if c.units, err = testenv.CreateReviewUnits(ctx, c.h.client); err != nil {
		return err
	}
	for _, obj := range actorBindings() {
		if err := c.create(ctx, c.h.client, obj); err != nil {
			return err
		}
	}
	if err := c.create(ctx, c.h.client, &governancev1alpha1.ListRollout{ObjectMeta: metav1.ObjectMeta{Name: rolloutName}}); err != nil {
		return err
	}
	if _, err := c.addItem(ctx, nil); err != nil {
		return err
	}
	c.setUp = true
	return nil
}

// actorBindings let the department create tasks in its namespace and the
// deciding unit's members decide reports, through the shipped actor roles.
func actorBindings() []client.Object {
	return []client.Object{
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "cunshe-department", Namespace: "dept-" + department},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cunshe-department"},
			Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: "cunshe:dept:" + department}}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "cunshe-review-unit-" + deciderUnit},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cunshe-review-unit"},
			Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: "cunshe:unit:" + deciderUnit}}},
	}
}

// sampleObjects decodes a file of config/samples/lists.
func sampleObjects(file string) ([]client.Object, error) {
	return samples("../../config/samples/lists/" + file)
}

// samples decodes the objects of YAML files.
func samples(paths ...string) ([]client.Object, error) {
	decode := serializer.NewCodecFactory(operator.Scheme()).UniversalDeserializer().Decode
	var out []client.Object
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
			obj, _, err := decode([]byte(doc), nil, nil)
			if err != nil {
				if regexp.MustCompile(`(?m)^kind:`).MatchString(doc) {
					return nil, fmt.Errorf("%s: %w", path, err)
				}
				continue // comments only
			}
			out = append(out, obj.(client.Object))
		}
	}
	return out, nil
}

// createVillages creates the next n villages of the registry, as an import
// would; it returns their names.
func (c *city) createVillages(ctx context.Context, n int) ([]string, error) {
	c.mu.Lock()
	from, to := c.created, min(c.created+n, len(c.registry))
	c.mu.Unlock()
	batch := slices.Clone(c.registry[from:to])
	if _, err := operator.CreateVillages(ctx, c.h.client, batch, 64); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.created = to
	c.mu.Unlock()
	names := make([]string, len(batch))
	for i := range batch {
		names[i] = batch[i].Name
	}
	return names, nil
}

// villages is the number of villages created so far.
func (c *city) villages() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.created
}

// addItem creates one more citywide Admission item and has the four units
// approve it; the next revision holds it.
func (c *city) addItem(ctx context.Context, progress func()) (string, error) {
	c.mu.Lock()
	c.nextItem++
	n := c.nextItem
	c.mu.Unlock()
	item := &governancev1alpha1.ListItem{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("faults-survey-%d", n)},
		Spec: governancev1alpha1.ListItemSpec{List: governancev1alpha1.ListAdmission, Title: fmt.Sprintf("协助开展专项统计调查（第 %d 批）", n),
			Content:     "配合统计部门开展入户摸底、登记工作；不承担填报与数据审核。",
			Applicant:   governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCityDepartment, Name: department},
			Basis:       governancev1alpha1.Basis{Kind: governancev1alpha1.BasisLaw, Citation: "《中华人民共和国统计法》第七条"},
			VillageRole: governancev1alpha1.RoleAssist, ResponsibleDepartments: []string{department}},
	}
	if err := c.create(ctx, c.h.client, item); err != nil {
		return "", err
	}
	if progress != nil {
		progress()
	}
	return item.Name, c.approve(ctx, item, nil, progress)
}

// addSampleLists brings in the city's sample lists (config/samples/lists):
// its power flows and its items on all six lists, approved by the four
// units with their fresh keys.
func (c *city) addSampleLists(ctx context.Context, progress func()) error {
	if c.sample {
		return nil
	}
	flows := map[string]*governancev1alpha1.PowerFlowSpec{}
	objs, err := sampleObjects("flows.yaml")
	if err != nil {
		return err
	}
	for _, obj := range objs {
		if err := c.create(ctx, c.h.client, obj); err != nil {
			return err
		}
		flows[obj.GetName()] = &obj.(*governancev1alpha1.PowerFlow).Spec
	}
	// The units review the items side by side, as four offices would.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, file := range []string{"items-l1-admission.yaml", "items-l2-seal.yaml", "items-l3-township-duty.yaml",
		"items-l4-head-duty.yaml", "items-l5-integrity-negative.yaml", "items-l6-micro-power.yaml"} {
		objs, err := sampleObjects(file)
		if err != nil {
			return err
		}
		for _, obj := range objs {
			item := obj.(*governancev1alpha1.ListItem)
			g.Go(func() error {
				if err := c.create(gctx, c.h.client, item); err != nil {
					return err
				}
				return c.approve(gctx, item, flows[item.Spec.FlowRef], progress)
			})
		}
	}
	if err := g.Wait(); err != nil {
		return err
	}
	c.sample = true
	return nil
}

// approve signs and files every unit's approval of the item's spec, named
// <item>.<unit> as the samples are.
func (c *city) approve(ctx context.Context, item *governancev1alpha1.ListItem, flow *governancev1alpha1.PowerFlowSpec, progress func()) error {
	c.mu.Lock()
	c.items = append(c.items, item.Name)
	c.mu.Unlock()
	units := make([]string, 0, len(c.units))
	for id := range c.units {
		units = append(units, id)
	}
	slices.Sort(units)
	for _, id := range units {
		a := &governancev1alpha1.ItemApproval{
			ObjectMeta: metav1.ObjectMeta{Name: item.Name + "." + id},
			Spec: governancev1alpha1.ItemApprovalSpec{Item: item.Name, Digest: rules.Digest(&item.Spec, flow), Unit: id,
				Decision: governancev1alpha1.DecisionApprove, Comment: "联审同意 / approved in joint review"},
		}
		rules.Sign(&a.Spec, id+"-test", c.units[id])
		if err := c.create(ctx, c.h.client, a); err != nil {
			return err
		}
		c.mu.Lock()
		c.approvals[a.Name] = true
		c.mu.Unlock()
		if progress != nil {
			progress()
		}
	}
	return nil
}

// fileReport has a village's cadre report a demand outside the lists (S8).
func (c *city) fileReport(ctx context.Context, village string, n int) (types.NamespacedName, error) {
	r := &governancev1alpha1.Report{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("faults-demand-%d", n), Namespace: governancev1alpha1.TenantNamespaceName(village)},
		Spec: governancev1alpha1.ReportSpec{Reason: governancev1alpha1.ReportReasonNotListed,
			Demand: &governancev1alpha1.Demand{Department: department, Description: fmt.Sprintf("电话要求村里每日上报辖区商铺巡查照片（第 %d 次）", n)}},
	}
	cadre, err := c.as("cadre-"+village, "cunshe:village:"+village)
	if err != nil {
		return types.NamespacedName{}, err
	}
	if err := c.create(ctx, cadre, r); err != nil {
		return types.NamespacedName{}, err
	}
	key := client.ObjectKeyFromObject(r)
	c.mu.Lock()
	c.reports[key] += 0
	c.mu.Unlock()
	return key, nil
}

// decide has the deciding unit open an investigation of a report (S8).
func (c *city) decide(ctx context.Context, report types.NamespacedName) error {
	d := &governancev1alpha1.ReportDecision{
		ObjectMeta: metav1.ObjectMeta{Name: report.Name + "." + deciderUnit, Namespace: report.Namespace},
		Spec: governancev1alpha1.ReportDecisionSpec{Report: report.Name, Unit: deciderUnit,
			Outcome: governancev1alpha1.OutcomeInvestigating, Findings: "已转交市统计局核实 / passed to the department to check"},
	}
	member, err := c.as(deciderUnit+"-inspector", "cunshe:unit:"+deciderUnit)
	if err != nil {
		return err
	}
	if err := c.create(ctx, member, d); err != nil {
		return err
	}
	key := client.ObjectKeyFromObject(d)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.decisions[key] {
		c.decisions[key] = true
		c.reports[report]++
	}
	return nil
}

// as is a client acting as a user and groups (impersonation).
func (c *city) as(user string, groups ...string) (client.Client, error) {
	cfg := rest.CopyConfig(c.h.cfg)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: groups}
	return client.New(cfg, client.Options{Scheme: operator.Scheme()})
}

// create creates obj, retrying for as long as the operator or the API
// server is unavailable, as a person would; an object that exists counts as
// created (an earlier attempt got through).
func (c *city) create(ctx context.Context, cl client.Client, obj client.Object) error {
	deadline := time.Now().Add(c.h.scale.converge)
	for {
		err := cl.Create(ctx, obj.DeepCopyObject().(client.Object))
		if err == nil || apierrors.IsAlreadyExists(err) {
			return nil
		}
		if !unavailable(err) || time.Now().After(deadline) {
			return fmt.Errorf("creating %T %s: %w", obj, client.ObjectKeyFromObject(obj), err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// unavailable reports whether a request failed because the webhook or the
// API server did not answer, not because of what was asked.
func unavailable(err error) bool {
	return webhookUnavailable(err) || apierrors.IsServiceUnavailable(err) || apierrors.IsServerTimeout(err) ||
		apierrors.IsTimeout(err) || apierrors.IsTooManyRequests(err) || apierrors.IsInternalError(err) ||
		!isStatusError(err)
}

// webhookUnavailable reports whether the API server refused a request
// because no webhook server answered (failurePolicy: Fail).
func webhookUnavailable(err error) bool {
	return err != nil && apierrors.IsInternalError(err) && regexp.MustCompile(`failed calling webhook`).MatchString(err.Error())
}

func isStatusError(err error) bool {
	var status apierrors.APIStatus
	return errors.As(err, &status)
}

// revisions are the city's list revisions in increasing order.
func revisionsInOrder(list []governancev1alpha1.ListRevision) []governancev1alpha1.ListRevision {
	slices.SortFunc(list, func(a, b governancev1alpha1.ListRevision) int { return cmp.Compare(a.Spec.Revision, b.Spec.Revision) })
	return list
}

// ensureProvisioned brings the city to a converged state with every village
// of the scale provisioned, starting a manager for it when needed: a
// scenario run alone finds the city the kill scenario leaves behind.
func (c *city) ensureProvisioned(ctx context.Context) error {
	if c.setUp && c.villages() == len(c.registry) && c.sample {
		if _, err := c.waitConverged(ctx, time.Minute); err == nil {
			return nil
		}
	}
	m, err := c.h.startManager(ctx, "provision", managerArgs{})
	if err != nil {
		return err
	}
	defer m.stop()
	if err := c.ensureSetUp(ctx); err != nil {
		return err
	}
	if err := c.citywide(ctx); err != nil {
		return err
	}
	if _, err := c.createVillages(ctx, len(c.registry)); err != nil {
		return err
	}
	if err := c.addSampleLists(ctx, nil); err != nil {
		return err
	}
	_, err = c.waitConverged(ctx, c.h.scale.converge)
	return err
}

// citywide makes the rollout publish every new revision to every village
// at once (no steps), with no promotion pending.
func (c *city) citywide(ctx context.Context) error {
	deadline := time.Now().Add(time.Minute)
	for {
		ro := &governancev1alpha1.ListRollout{}
		err := c.h.client.Get(ctx, client.ObjectKey{Name: rolloutName}, ro)
		if err == nil {
			if len(ro.Spec.Steps) == 0 && ro.Annotations[governancev1alpha1.AnnotationPromote] == "" {
				return nil
			}
			ro.Spec.Steps = nil
			delete(ro.Annotations, governancev1alpha1.AnnotationPromote)
			err = c.h.client.Update(ctx, ro)
		}
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// dryRunTask is the sample task of 市统计局 (config/samples/tasks): the
// census assistance in the pilot county, an item on its lists.
func dryRunTask() *governancev1alpha1.Task {
	return &governancev1alpha1.Task{
		ObjectMeta: metav1.ObjectMeta{Name: "census-2026", Namespace: "dept-" + department},
		Spec: governancev1alpha1.TaskSpec{Type: governancev1alpha1.TaskWork, Title: "2026年全国1%人口抽样调查入户协助",
			ItemRef: "l1-census-assist", VillageRole: governancev1alpha1.RoleAssist,
			Targets: governancev1alpha1.TaskTargets{Counties: []string{pilotCounty}}, Due: "2026-12-31"},
	}
}

// clerk is a member of the department, as kubectl would act for them.
func (c *city) clerk() (client.Client, error) {
	return c.as(department+"-clerk", "cunshe:dept:"+department)
}

// namespaceOf is the tenant namespace of a village.
func namespaceOf(code string) string { return governancev1alpha1.TenantNamespaceName(code) }
