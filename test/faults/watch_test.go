package faults

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/operator"
	"github.com/cunshe/cunshe-operator/internal/publish"
	"github.com/cunshe/cunshe-operator/internal/tenant"
)

// cityWatch follows the city through its own informers, as a person with
// `kubectl get -w` would, for the whole run: it checks every version of
// every village's lists ConfigMap the API server ever reports, and answers
// "is the city converged?" from memory.
type cityWatch struct {
	cache cache.Cache
	stop  context.CancelFunc

	mu sync.Mutex
	// mixed describes every observed ConfigMap version whose annotations
	// and content disagree: a village holding a mix of two revisions.
	mixed []string
	// regressions are the ConfigMaps that moved to a lower revision than
	// they held before (the suite never undoes a rollout).
	regressions []regression
	held        map[string]int64
	// versions counts, per namespace, the ConfigMap versions with new
	// content since the last reset: one per rollout is no duplicate write.
	versions map[string]int
}

func startCityWatch(cfg *rest.Config) (*cityWatch, error) {
	c, err := cache.New(cfg, cache.Options{Scheme: operator.Scheme(), ByObject: map[client.Object]cache.ByObject{
		&corev1.ConfigMap{}: {Label: labels.SelectorFromSet(labels.Set{tenant.LabelLists: "true"})},
	}})
	if err != nil {
		return nil, err
	}
	ctx, stop := context.WithCancel(context.Background())
	w := &cityWatch{cache: c, stop: stop, held: map[string]int64{}, versions: map[string]int{}}
	for _, obj := range []client.Object{&governancev1alpha1.Village{}, &governancev1alpha1.ListRevision{},
		&governancev1alpha1.ListRollout{}, &governancev1alpha1.ListItem{}, &governancev1alpha1.Report{}} {
		if _, err := c.GetInformer(ctx, obj); err != nil {
			return nil, err
		}
	}
	inf, err := c.GetInformer(ctx, &corev1.ConfigMap{})
	if err != nil {
		return nil, err
	}
	if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { w.observe(nil, obj.(*corev1.ConfigMap)) },
		UpdateFunc: func(old, obj any) { w.observe(old.(*corev1.ConfigMap), obj.(*corev1.ConfigMap)) },
	}); err != nil {
		return nil, err
	}
	go func() { _ = c.Start(ctx) }()
	if !c.WaitForCacheSync(ctx) {
		return nil, fmt.Errorf("the suite's watch of the city did not sync")
	}
	return w, nil
}

// observe checks one version of a lists ConfigMap: its content hash is the
// SHA-256 of its content, and the revision its content names is the one its
// annotation names; and it never goes back to an older revision.
func (w *cityWatch) observe(old, cm *corev1.ConfigMap) {
	rev, problem := consistency(cm)
	w.mu.Lock()
	defer w.mu.Unlock()
	if problem != "" {
		w.mixed = append(w.mixed, fmt.Sprintf("%s@%s: %s", cm.Namespace, cm.ResourceVersion, problem))
	}
	if rev == 0 {
		return
	}
	if before := w.held[cm.Namespace]; rev < before {
		w.regressions = append(w.regressions, regression{cm.Namespace, before, rev})
	}
	w.held[cm.Namespace] = rev
	if old == nil || old.Annotations[publish.AnnotationContentHash] != cm.Annotations[publish.AnnotationContentHash] ||
		old.Annotations[publish.AnnotationRevision] != cm.Annotations[publish.AnnotationRevision] {
		w.versions[cm.Namespace]++
	}
}

// consistency returns the revision a lists ConfigMap holds, or what is
// wrong with it. A placeholder (no revision, no content) is consistent.
func consistency(cm *corev1.ConfigMap) (int64, string) {
	annotated := cm.Annotations[publish.AnnotationRevision]
	data, ok, err := publish.Load(cm)
	switch {
	case err != nil:
		return 0, "unreadable content: " + err.Error()
	case !ok && annotated == "":
		return 0, ""
	case !ok:
		return 0, "revision " + annotated + " annotated without content"
	case annotated == "":
		return 0, "content without a revision annotation"
	}
	rev, err := strconv.ParseInt(annotated, 10, 64)
	if err != nil {
		return 0, "revision annotation " + annotated
	}
	sum := sha256.Sum256([]byte(data))
	if hash := "sha256:" + hex.EncodeToString(sum[:]); hash != cm.Annotations[publish.AnnotationContentHash] {
		return rev, fmt.Sprintf("content hash %s, annotated %s", hash, cm.Annotations[publish.AnnotationContentHash])
	}
	content, err := contentRevision(data)
	if err != nil {
		return rev, "content: " + err.Error()
	}
	if content != rev {
		return rev, fmt.Sprintf("content of revision %d annotated as revision %d", content, rev)
	}
	return rev, ""
}

// contentRevision reads the revision rendered lists name. Their keys are
// sorted, so "revision" is the last top-level line; the whole document is
// parsed only when it is not there (a city's lists are tens of KiB, and
// the watch sees every village's at every rollout).
func contentRevision(data string) (int64, error) {
	if i := strings.LastIndex(data, "\nrevision: "); i >= 0 {
		line, _, _ := strings.Cut(data[i+len("\nrevision: "):], "\n")
		if n, err := strconv.ParseInt(strings.TrimSpace(line), 10, 64); err == nil {
			return n, nil
		}
	}
	var lists struct {
		Revision int64 `json:"revision"`
	}
	err := yaml.Unmarshal([]byte(data), &lists)
	return lists.Revision, err
}

// regression is a village's lists going back from one revision to an older one.
type regression struct {
	namespace string
	from, to  int64
}

// faultsSeen are the mixes and regressions observed so far.
func (w *cityWatch) faultsSeen() (mixed []string, regressions []regression) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.mixed...), append([]regression(nil), w.regressions...)
}

// resetVersions starts counting ConfigMap versions afresh.
func (w *cityWatch) resetVersions() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.versions = map[string]int{}
}

// duplicateVersions counts the ConfigMap versions beyond one per village
// since the last reset: writes that published the same thing again, or a
// step back and forth.
func (w *cityWatch) duplicateVersions() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, v := range w.versions {
		n += max(0, v-1)
	}
	return n
}

// state is what the watch holds of the city right now.
type state struct {
	revisions []governancev1alpha1.ListRevision
	rollout   *governancev1alpha1.ListRollout
	villages  map[string]*governancev1alpha1.Village
	lists     map[string]*corev1.ConfigMap // by namespace
	items     map[string]*governancev1alpha1.ListItem
	reports   map[string]*governancev1alpha1.Report // by namespace/name
}

func (w *cityWatch) state(ctx context.Context) (*state, error) {
	s := &state{villages: map[string]*governancev1alpha1.Village{}, lists: map[string]*corev1.ConfigMap{},
		items: map[string]*governancev1alpha1.ListItem{}, reports: map[string]*governancev1alpha1.Report{}}
	revs := &governancev1alpha1.ListRevisionList{}
	if err := w.cache.List(ctx, revs, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	s.revisions = revisionsInOrder(revs.Items)
	// The rollout is read from the API server: the suite changes its spec,
	// and a cached copy could predate the change.
	ro := &governancev1alpha1.ListRollout{}
	if err := h.client.Get(ctx, client.ObjectKey{Name: rolloutName}, ro); err == nil {
		s.rollout = ro
	} else if !apierrors.IsNotFound(err) {
		return nil, err
	}
	villages := &governancev1alpha1.VillageList{}
	if err := w.cache.List(ctx, villages, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	for i := range villages.Items {
		s.villages[villages.Items[i].Name] = &villages.Items[i]
	}
	cms := &corev1.ConfigMapList{}
	if err := w.cache.List(ctx, cms, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	for i := range cms.Items {
		s.lists[cms.Items[i].Namespace] = &cms.Items[i]
	}
	items := &governancev1alpha1.ListItemList{}
	if err := w.cache.List(ctx, items, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	for i := range items.Items {
		s.items[items.Items[i].Name] = &items.Items[i]
	}
	reports := &governancev1alpha1.ReportList{}
	if err := w.cache.List(ctx, reports, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	for i := range reports.Items {
		s.reports[reports.Items[i].Namespace+"/"+reports.Items[i].Name] = &reports.Items[i]
	}
	return s, nil
}

func (s *state) latest() int64 {
	if len(s.revisions) == 0 {
		return 0
	}
	return s.revisions[len(s.revisions)-1].Spec.Revision
}

// heldRevision is the revision a village's lists ConfigMap holds (0: none).
func (s *state) heldRevision(code string) int64 {
	cm := s.lists[namespaceOf(code)]
	if cm == nil {
		return 0
	}
	n, _ := strconv.ParseInt(cm.Annotations[publish.AnnotationRevision], 10, 64)
	return n
}

// pending says what keeps the city from being converged, or "" when it is:
// every village the suite created is Ready, holds the latest revision and
// says so in its status; the rollout reports it Published; every item the
// suite approved is approved; every report shows the decisions made on it.
func (c *city) pending(s *state) string {
	latest := s.latest()
	created := c.villages()
	var problems []string
	note := func(format string, args ...any) {
		if len(problems) < 3 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	if len(s.villages) != created {
		note("%d of %d villages exist", len(s.villages), created)
	}
	behind := 0
	for _, v := range s.villages {
		ready := meta.IsStatusConditionTrue(v.Status.Conditions, governancev1alpha1.ReadyCondition) && v.Status.ObservedGeneration == v.Generation
		if !ready || s.heldRevision(v.Name) != latest || v.Status.PublishedRevision != latest {
			behind++
		}
	}
	if behind > 0 {
		note("%d villages not Ready at revision %d", behind, latest)
	}
	if ro := s.rollout; ro == nil {
		note("no rollout")
	} else if st := ro.Status; st.CurrentRevision != latest || st.ObservedGeneration != ro.Generation ||
		!meta.IsStatusConditionTrue(st.Conditions, governancev1alpha1.ReadyCondition) || int(st.UpdatedVillages) != created || int(st.TotalVillages) != created {
		note("rollout at revision %d, %d/%d villages, ready=%v", st.CurrentRevision, st.UpdatedVillages, st.TotalVillages,
			meta.IsStatusConditionTrue(st.Conditions, governancev1alpha1.ReadyCondition))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	published := map[string]bool{}
	if len(s.revisions) > 0 {
		for _, it := range s.revisions[len(s.revisions)-1].Spec.Items {
			published[it.Name] = true
		}
	}
	for _, name := range c.items {
		if it := s.items[name]; it == nil || !it.WasApproved() {
			note("item %s not approved", name)
		} else if !published[name] {
			note("item %s not in the latest revision", name)
		}
	}
	for key, decided := range c.reports {
		if r := s.reports[key.String()]; r == nil || len(r.Status.Decisions) != decided || r.Status.Phase == "" {
			note("report %s does not show its %d decisions", key, decided)
		}
	}
	return strings.Join(problems, "; ")
}

// waitConverged waits until the city is converged and returns when it was.
func (c *city) waitConverged(ctx context.Context, timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	for {
		s, err := c.watch.state(ctx)
		if err != nil {
			return time.Time{}, err
		}
		p := c.pending(s)
		if p == "" {
			return time.Now(), nil
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("the city did not converge within %s: %s", timeout, p)
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
