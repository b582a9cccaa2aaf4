package controllers

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/sets"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/publish"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/status"
	"github.com/cunshe/cunshe-operator/internal/tenant"
)

// ListRolloutReconciler moves each village's cunshe-lists ConfigMap to the
// rollout's revision step by step (S1, S10). Each village has exactly one
// desired revision — the current one if a finished step reached it, the
// previous one otherwise — and one ConfigMap write replaces its lists
// whole, so a village never holds a mix of two revisions.
type ListRolloutReconciler struct {
	client.Client
	// Admission is the revision the task webhook takes a village to hold
	// (its index): a rollout is Ready only once admission agrees that every
	// village holds its revision. Nil: the lists alone decide.
	Admission func(village string) (int64, bool)
	Now       func() time.Time
	// Writers is the number of parallel ConfigMap writes.
	Writers int

	renders renderMemo
}

// +kubebuilder:rbac:groups=governance.cunshe.io,resources=listrollouts,verbs=get;list;watch
// +kubebuilder:rbac:groups=governance.cunshe.io,resources=listrollouts/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=governance.cunshe.io,resources=villages,verbs=get;list;watch

// rolloutPass is what one reconcile learned and decided.
type rolloutPass struct {
	ro        *governancev1alpha1.ListRollout
	juris     rules.Jurisdictions
	city      string
	villages  []*governancev1alpha1.Village
	lists     map[string]*corev1.ConfigMap // by namespace
	revisions map[int64]*governancev1alpha1.ListRevision
	catalog   publish.Catalog
	// catalogVersion digests the catalog's specs (renderKey).
	catalogVersion string
	now            time.Time
	aborted        bool
	paused         bool
	requeue        time.Duration
	writeErr       error
	// admissionBehind counts villages whose lists hold the current revision
	// while the task webhook's index does not see it yet.
	admissionBehind int
	// written are the ConfigMaps this pass wrote (or tried to).
	written []*corev1.ConfigMap
	// record writes the status as it stands, before a step's writes;
	// recorded is set once it has.
	record   func(context.Context) error
	recorded bool
}

// Reconcile advances one rollout as far as its steps allow.
func (r *ListRolloutReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	ro := &governancev1alpha1.ListRollout{}
	if err := r.Get(ctx, req.NamespacedName, ro); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	ctx = ctrl.LoggerInto(ctx, ctrl.LoggerFrom(ctx).WithValues("ListRollout", ro.Name))
	patcher, read := newRolloutPatcher(r.Client, ro), ro.ResourceVersion
	juris, err := readJurisdictions(ctx, r.Client)
	if err != nil {
		return ctrl.Result{}, err
	}
	city := juris.Resolve(ro.Spec.Jurisdiction)
	if active, err := r.activeRollout(ctx, juris, city); err != nil || active != ro.Name {
		if err != nil {
			return ctrl.Result{}, err
		}
		status.Summarise(ro, governancev1alpha1.RolloutInactive, fmt.Sprintf("本市清单发布由 %s 负责 / ListRollout %s drives the city's villages; only one rollout per city is active", active, active))
		return ctrl.Result{}, patchRolloutStatus(ctx, patcher, ro)
	}
	pass, err := r.load(ctx, ro, juris, city)
	if err != nil {
		return ctrl.Result{}, err
	}
	target := r.target(pass)
	if target == 0 {
		status.Summarise(ro, governancev1alpha1.RolloutNoRevision, "尚无清单版本 / no list revision exists yet")
		return ctrl.Result{}, patchRolloutStatus(ctx, patcher, ro)
	}
	pass.record = func(ctx context.Context) error {
		if err := patchRolloutStatus(ctx, patcher, ro); err != nil {
			return err
		}
		pass.recorded = true
		return nil
	}
	keepPublished(pass)
	if ro.StrayPromotion() {
		ctrl.LoggerFrom(ctx).Info("Ignoring a promotion given while the rollout waited at no pause or was aborted", "token", ro.DropPromotion())
	}
	r.retarget(ctx, pass, target)
	pass.aborted = ro.Aborted()
	if !pass.aborted {
		r.advance(ctx, pass)
	}
	r.summarise(pass)
	err = patchRolloutStatus(ctx, patcher, ro)
	// The status tells the progress at once; the next pass must not start
	// before the cache holds this one's writes, or it would write again.
	// That includes the rollout's own status: a pass that read an older
	// step would send the villages of a newer one back.
	for _, cm := range pass.written {
		waitForOwnWrite(ctx, cm, observeVersion(r.Client))
	}
	if ro.ResourceVersion != read || pass.recorded {
		waitForOwnWrite(ctx, ro, observeVersion(r.Client))
	}
	if err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: pass.requeue}, pass.writeErr
}

// activeRollout is the city's first rollout by name: one rollout drives a
// city's villages.
func (r *ListRolloutReconciler) activeRollout(ctx context.Context, juris rules.Jurisdictions, city string) (string, error) {
	list := &governancev1alpha1.ListRolloutList{}
	if err := r.List(ctx, list); err != nil {
		return "", err
	}
	names := make([]string, 0, len(list.Items))
	for _, ro := range list.Items {
		if juris.Resolve(ro.Spec.Jurisdiction) == city {
			names = append(names, ro.Name)
		}
	}
	slices.Sort(names)
	if len(names) == 0 {
		return "", nil
	}
	return names[0], nil
}

func (r *ListRolloutReconciler) load(ctx context.Context, ro *governancev1alpha1.ListRollout, juris rules.Jurisdictions, city string) (*rolloutPass, error) {
	p := &rolloutPass{ro: ro, juris: juris, city: city, now: r.Now(), lists: map[string]*corev1.ConfigMap{}, revisions: map[int64]*governancev1alpha1.ListRevision{},
		catalog: publish.Catalog{Items: map[string]*governancev1alpha1.ListItem{}, Flows: map[string]*governancev1alpha1.PowerFlow{}}}
	// The city's villages and lists only, through the city indexes: a
	// province's other cities cost this pass nothing.
	inCity := []client.ListOption{client.UnsafeDisableDeepCopy}
	if !juris.None() {
		inCity = append(inCity, client.MatchingFields{IndexCity: city})
	}
	villages := &governancev1alpha1.VillageList{}
	if err := r.List(ctx, villages, inCity...); err != nil {
		return nil, err
	}
	for i := range villages.Items {
		if villages.Items[i].DeletionTimestamp.IsZero() {
			p.villages = append(p.villages, &villages.Items[i])
		}
	}
	p.villages = publish.Order(p.villages)
	cms := &corev1.ConfigMapList{}
	if err := r.List(ctx, cms, append(inCity, client.MatchingLabels{tenant.LabelLists: "true"})...); err != nil {
		return nil, err
	}
	for i := range cms.Items {
		p.lists[cms.Items[i].Namespace] = &cms.Items[i]
	}
	revs := &governancev1alpha1.ListRevisionList{}
	if err := r.List(ctx, revs, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	for i := range revs.Items {
		if juris.RevisionCity(&revs.Items[i]) == city {
			p.revisions[revs.Items[i].Spec.Revision] = &revs.Items[i]
		}
	}
	items := &governancev1alpha1.ListItemList{}
	if err := r.List(ctx, items, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	for i := range items.Items {
		p.catalog.Items[items.Items[i].Name] = &items.Items[i]
	}
	flows := &governancev1alpha1.PowerFlowList{}
	if err := r.List(ctx, flows, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	for i := range flows.Items {
		p.catalog.Flows[flows.Items[i].Name] = &flows.Items[i]
	}
	p.catalogVersion = catalogVersion(p.catalog)
	return p, nil
}

// target is the pinned revision, or the latest.
func (r *ListRolloutReconciler) target(p *rolloutPass) int64 {
	if p.ro.Spec.Revision != 0 {
		if _, ok := p.revisions[p.ro.Spec.Revision]; ok {
			return p.ro.Spec.Revision
		}
		return 0
	}
	latest := int64(0)
	for n := range p.revisions {
		latest = max(latest, n)
	}
	return latest
}

// keepPublished: new steps given to a rollout whose revision every village
// already holds stage the next revision; the villages keep what they hold.
// Without it, step 0 of the new steps would select no village and send
// every one back to the previous revision. What the villages hold decides,
// not the Ready condition, which others set too (awaitInRollouts).
func keepPublished(p *rolloutPass) {
	ro := p.ro
	s := &ro.Status
	if s.ObservedGeneration == 0 || s.ObservedGeneration == ro.Generation || s.CurrentRevision == 0 {
		return
	}
	current := strconv.FormatInt(s.CurrentRevision, 10)
	for _, v := range p.villages {
		if cm := p.lists[governancev1alpha1.TenantNamespaceName(v.Name)]; cm == nil || cm.Annotations[publish.AnnotationRevision] != current {
			return
		}
	}
	s.CurrentStep, s.PauseStartedAt = int32(len(ro.Spec.Steps)), nil
}

// retarget starts over when the target changes. An undo (pinned to the
// previous revision) skips the steps: the villages go back at once.
func (r *ListRolloutReconciler) retarget(ctx context.Context, p *rolloutPass, target int64) {
	s := &p.ro.Status
	if s.CurrentRevision == target {
		return
	}
	ctrl.LoggerFrom(ctx).Info("Rolling out a new list revision", "from", s.CurrentRevision, "to", target)
	undo := p.ro.IsUndo(target)
	if s.CurrentRevision != 0 && (undo || int(s.CurrentStep) >= len(p.ro.Spec.Steps)) {
		s.PreviousRevision = s.CurrentRevision
	}
	s.CurrentRevision, s.CurrentStep, s.PauseStartedAt = target, 0, nil
	// A promotion given for the old revision's pause releases none of the new one's.
	p.ro.DropPromotion()
	if undo {
		s.CurrentStep = int32(len(p.ro.Spec.Steps))
	}
}

// advance writes the villages the finished steps reached and moves through
// the steps until a pause holds or every village holds the revision.
func (r *ListRolloutReconciler) advance(ctx context.Context, p *rolloutPass) {
	s := &p.ro.Status
	for {
		if !r.converge(ctx, p) {
			return
		}
		if p.ro.StepsDone() {
			return
		}
		if _, pause := p.ro.PauseStep(); pause {
			over, left := p.ro.PauseOver(p.now)
			if !over {
				p.paused, p.requeue = true, left
				return
			}
		}
		s.CurrentStep++
		s.PauseStartedAt = nil
		// The step is recorded before its villages are written: a manager
		// that dies during the writes resumes this step, instead of
		// sending the villages it reached back to the previous revision.
		if err := p.record(ctx); err != nil {
			p.writeErr = err
			return
		}
	}
}

// desired is the revision a village should hold at the current step.
func (p *rolloutPass) desired(selected sets.Set[string], v *governancev1alpha1.Village) int64 {
	if selected.Has(v.Name) {
		return p.ro.Status.CurrentRevision
	}
	return p.ro.Status.PreviousRevision
}

// converge writes every village whose ConfigMap does not hold its desired
// revision; it reports whether all writes succeeded.
func (r *ListRolloutReconciler) converge(ctx context.Context, p *rolloutPass) bool {
	selected := publish.Selected(p.villages, p.ro.Spec.Steps, int(p.ro.Status.CurrentStep))
	rendered := map[string]renderedLists{}
	var stale []*corev1.ConfigMap
	for _, v := range p.villages {
		cm := p.lists[governancev1alpha1.TenantNamespaceName(v.Name)]
		want := p.desired(selected, v)
		rev := p.revisions[want]
		if cm == nil || rev == nil {
			continue // no tenant yet, or nothing to hold
		}
		group := fmt.Sprintf("%d/%s/%s", want, v.Spec.County.Code, v.Spec.Type)
		out, ok := rendered[group]
		if !ok {
			// Once per group: what an earlier pass rendered for it, if anything.
			out = renderedLists{revision: strconv.FormatInt(want, 10), key: renderKey(rev, group, p.catalogVersion)}
			out.hash, out.known = r.renders.hash(out.key)
			rendered[group] = out
		}
		if out.known && out.holdBy(cm) {
			continue
		}
		if out.data == "" {
			data, hash, err := publish.Render(publish.ForVillage(rev, v, p.catalog))
			if err != nil {
				p.writeErr = err
				return false
			}
			out.data, out.hash, out.known = data, hash, true
			rendered[group] = out
			r.renders.remember(out.key, hash)
		}
		if out.holdBy(cm) {
			continue
		}
		updated := cm.DeepCopy()
		if updated.Annotations == nil {
			updated.Annotations = map[string]string{}
		}
		updated.Annotations[publish.AnnotationRevision] = out.revision
		updated.Annotations[publish.AnnotationContentHash] = out.hash
		if err := publish.Store(updated, out.data); err != nil {
			p.writeErr = fmt.Errorf("%s: %w", updated.Namespace, err)
			return false
		}
		stale = append(stale, updated)
	}
	err := r.write(ctx, stale)
	p.written = append(p.written, stale...)
	if err != nil {
		p.writeErr = err
		return false
	}
	for _, cm := range stale {
		p.lists[cm.Namespace] = cm
	}
	return true
}

// renderedLists are a group's lists in one pass: their hash, known from
// an earlier pass (renderMemo) or from rendering them (data) in this one.
type renderedLists struct {
	revision, key, data, hash string
	known                     bool
}

// holdBy reports whether a village's lists are these.
func (l renderedLists) holdBy(cm *corev1.ConfigMap) bool {
	return cm.Annotations[publish.AnnotationRevision] == l.revision && cm.Annotations[publish.AnnotationContentHash] == l.hash
}

// write updates the ConfigMaps in parallel: a city's rollout is bound by
// the API server, not by one writer.
func (r *ListRolloutReconciler) write(ctx context.Context, cms []*corev1.ConfigMap) error {
	if len(cms) == 0 {
		return nil
	}
	ctrl.LoggerFrom(ctx).Info("Publishing lists to villages", "villages", len(cms))
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		next     = make(chan *corev1.ConfigMap)
	)
	for range max(1, r.Writers) {
		wg.Go(func() {
			for cm := range next {
				if err := r.Update(ctx, cm); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("publishing lists to %s: %w", cm.Namespace, err)
					}
					mu.Unlock()
				}
			}
		})
	}
	for _, cm := range cms {
		next <- cm
	}
	close(next)
	wg.Wait()
	return firstErr
}

// admissionPoll is how soon a rollout looks again while admission's index
// catches up with the lists it wrote.
const admissionPoll = 100 * time.Millisecond

// summarise counts the villages and sets the kstatus conditions.
func (r *ListRolloutReconciler) summarise(p *rolloutPass) {
	s := &p.ro.Status
	current := strconv.FormatInt(s.CurrentRevision, 10)
	counties := map[string]*governancev1alpha1.CountyProgress{}
	s.UpdatedVillages, s.TotalVillages = 0, int32(len(p.villages))
	for _, v := range p.villages {
		c := counties[v.Spec.County.Code]
		if c == nil {
			c = &governancev1alpha1.CountyProgress{Code: v.Spec.County.Code}
			counties[v.Spec.County.Code] = c
		}
		c.Total++
		if cm := p.lists[governancev1alpha1.TenantNamespaceName(v.Name)]; cm != nil && cm.Annotations[publish.AnnotationRevision] == current {
			c.Updated++
			s.UpdatedVillages++
			if r.Admission != nil {
				if rev, ok := r.Admission(v.Name); !ok || rev != s.CurrentRevision {
					p.admissionBehind++
				}
			}
		}
	}
	s.Counties = s.Counties[:0]
	for _, c := range counties {
		s.Counties = append(s.Counties, *c)
	}
	slices.SortFunc(s.Counties, func(a, b governancev1alpha1.CountyProgress) int { return strings.Compare(a.Code, b.Code) })
	progress := fmt.Sprintf("第 %d 版已下发 %d/%d 个村社 / revision %d reached %d of %d villages",
		s.CurrentRevision, s.UpdatedVillages, s.TotalVillages, s.CurrentRevision, s.UpdatedVillages, s.TotalVillages)
	reason, message := rolloutReady(p, progress)
	if reason == governancev1alpha1.RolloutProgressing && p.admissionBehind > 0 && p.requeue == 0 {
		p.requeue = admissionPoll // the index is fed by events this controller does not watch
	}
	status.Summarise(p.ro, reason, message)
}

// rolloutReady is the Ready reason and message of a pass that reached the
// villages it could; progress tells how far it got. The order matters: an abort
// outranks a failed write, which outranks a pause; a rollout whose villages
// all hold its revision is Published only when no item waits for a newer one.
func rolloutReady(p *rolloutPass, progress string) (reason, message string) {
	s := &p.ro.Status
	allHold := p.ro.StepsDone() && s.UpdatedVillages == s.TotalVillages
	switch {
	case p.aborted:
		return governancev1alpha1.RolloutAborted, "已中止，各村社保持现状；kubectl cunshe rollout resume 继续，或 undo 回退 / aborted: villages hold what they have; resume (kubectl cunshe rollout resume) to go on, or undo to go back. " + progress
	case p.writeErr != nil:
		return governancev1alpha1.RolloutWriteFailed, p.writeErr.Error()
	case p.paused:
		return governancev1alpha1.RolloutPaused, pauseMessage(p.ro) + " " + progress
	case allHold && p.admissionBehind > 0:
		return governancev1alpha1.RolloutProgressing, fmt.Sprintf("准入索引尚有 %d 个村社未更新 / admission's index has yet to see %d villages. ", p.admissionBehind, p.admissionBehind) + progress
	case allHold && awaiting(p):
		return governancev1alpha1.RolloutRevisionPending, fmt.Sprintf(
			"已批准的事项自第 %d 版以来有变化，新版本即将生成 / the approved items changed since revision %d; the next revision is being cut. ", s.CurrentRevision, s.CurrentRevision) + progress
	case allHold:
		return governancev1alpha1.RolloutPublished, progress
	}
	return governancev1alpha1.RolloutProgressing, progress
}

// awaiting reports whether the rollout, every village holding its current
// revision, still has a change to publish: an item recorded by the item
// controller that this revision does not carry, or approved items that
// differ from the newest revision (a cut on its way).
func awaiting(p *rolloutPass) bool {
	s := &p.ro.Status
	if p.ro.Spec.Revision != 0 {
		s.AwaitingItems = nil // pinned: Ready speaks of the pinned revision only
		return false
	}
	s.AwaitingItems = stillAwaited(s.AwaitingItems, p.revisions[s.CurrentRevision])
	return len(s.AwaitingItems) > 0 || revisionPending(p)
}

// revisionPending reports whether the city's approved items differ from its
// newest revision (the revision controller is waiting out its settle window,
// or cutting): a rollout that follows the newest revision is then not done.
// Checked only when the rollout would otherwise read Ready.
func revisionPending(p *rolloutPass) bool {
	if p.ro.Spec.Revision != 0 {
		return false // pinned: Ready speaks of the pinned revision only
	}
	var newest *governancev1alpha1.ListRevision
	for _, rev := range p.revisions {
		if newest == nil || rev.Spec.Revision > newest.Spec.Revision {
			newest = rev
		}
	}
	items := make([]governancev1alpha1.ListItem, 0, len(p.catalog.Items))
	for _, it := range p.catalog.Items {
		items = append(items, *it)
	}
	published := cityPublished(items, p.juris, p.city, p.now)
	return newest == nil || newest.Spec.ContentHash != publish.ContentHash(published)
}

// pauseMessage says what a paused rollout waits for: a promotion, or a time.
func pauseMessage(ro *governancev1alpha1.ListRollout) string {
	step := ro.Status.CurrentStep + 1
	end, timed := ro.PauseEnd()
	if !timed {
		return fmt.Sprintf("在第 %d 步暂停，等待放行 / paused at step %d until promoted.", step, step)
	}
	until := end.In(chinaTime).Format(time.DateTime)
	return fmt.Sprintf("在第 %d 步暂停至 %s（或提前放行） / paused at step %d until %s CST, or until promoted.", step, until, step, until)
}

// newRolloutPatcher is optimistic: a pass that read the rollout before the
// item controller marked it RevisionPending must not write over that mark.
func newRolloutPatcher(c client.Client, ro *governancev1alpha1.ListRollout) *status.Patcher {
	return status.NewPatcher(c, ro, status.WithOptimisticLock())
}

// patchRolloutStatus writes the pass's status. A conflict means the rollout
// changed meanwhile: its update event brings the next pass, which
// recomputes, so it is no error.
func patchRolloutStatus(ctx context.Context, patcher *status.Patcher, ro *governancev1alpha1.ListRollout) error {
	if err := patcher.Patch(ctx, ro); err != nil && !apierrors.IsConflict(err) {
		return err
	}
	return nil
}

// SetupWithManager requeues every rollout when revisions, villages, items or
// the lists ConfigMaps change.
func (r *ListRolloutReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Now == nil {
		r.Now = time.Now
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&governancev1alpha1.ListRollout{}).
		Watches(&governancev1alpha1.ListRevision{}, handler.EnqueueRequestsFromMapFunc(r.revisionRollouts)).
		Watches(&governancev1alpha1.Village{}, handler.EnqueueRequestsFromMapFunc(r.villageRollouts), builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&corev1.ConfigMap{}, handler.EnqueueRequestsFromMapFunc(r.villageRollouts)).
		Watches(&governancev1alpha1.Jurisdiction{}, handler.EnqueueRequestsFromMapFunc(r.allRollouts)).
		Watches(&governancev1alpha1.ListItem{}, handler.EnqueueRequestsFromMapFunc(r.itemRollouts)).
		Named("listrollout").
		Complete(r)
}

// itemRollouts requeues the rollouts of the cities an item reaches: an
// approval or a retirement makes their next revision pending.
func (r *ListRolloutReconciler) itemRollouts(ctx context.Context, o client.Object) []reconcile.Request {
	item := o.(*governancev1alpha1.ListItem)
	return r.cityRollouts(ctx, func(juris rules.Jurisdictions, city string) bool { return juris.Reaches(item.Spec.Jurisdiction, city) })
}

func (r *ListRolloutReconciler) allRollouts(ctx context.Context, _ client.Object) []reconcile.Request {
	return r.cityRollouts(ctx, func(rules.Jurisdictions, string) bool { return true })
}

// villageRollouts are the rollouts of the city of a village (or of its
// lists ConfigMap): the other cities' rollouts have nothing to do.
func (r *ListRolloutReconciler) villageRollouts(ctx context.Context, o client.Object) []reconcile.Request {
	code := o.GetName()
	if _, ok := o.(*corev1.ConfigMap); ok {
		code = o.GetLabels()[governancev1alpha1.LabelVillage]
	}
	return r.cityRollouts(ctx, func(juris rules.Jurisdictions, city string) bool { return juris.CityOf(code) == city })
}

// revisionRollouts are the rollouts of a revision's city.
func (r *ListRolloutReconciler) revisionRollouts(ctx context.Context, o client.Object) []reconcile.Request {
	rev := o.(*governancev1alpha1.ListRevision)
	return r.cityRollouts(ctx, func(juris rules.Jurisdictions, city string) bool { return juris.RevisionCity(rev) == city })
}

func (r *ListRolloutReconciler) cityRollouts(ctx context.Context, match func(juris rules.Jurisdictions, city string) bool) []reconcile.Request {
	list := &governancev1alpha1.ListRolloutList{}
	if err := r.List(ctx, list); err != nil {
		return nil
	}
	juris, err := readJurisdictions(ctx, r.Client)
	if err != nil {
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for _, ro := range list.Items {
		if match(juris, juris.Resolve(ro.Spec.Jurisdiction)) {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&ro)})
		}
	}
	return reqs
}

// IndexCity indexes Villages and the lists ConfigMaps by the 4-digit city
// of the village code, so a rollout reads its own city only; IndexProvince
// indexes Villages by their province, so a province's count reads its own.
const (
	IndexCity     = "city"
	IndexProvince = "province"
)

// SetupCityIndexes registers the city and province indexes the rollout and
// jurisdiction controllers read through; call it once, before them.
func SetupCityIndexes(mgr ctrl.Manager) error {
	ctx := context.Background()
	if err := mgr.GetFieldIndexer().IndexField(ctx, &governancev1alpha1.Village{}, IndexCity, func(o client.Object) []string {
		return []string{governancev1alpha1.CityOf(o.GetName())}
	}); err != nil {
		return err
	}
	if err := mgr.GetFieldIndexer().IndexField(ctx, &governancev1alpha1.Village{}, IndexProvince, func(o client.Object) []string {
		return []string{governancev1alpha1.ProvinceOf(o.GetName())}
	}); err != nil {
		return err
	}
	return mgr.GetFieldIndexer().IndexField(ctx, &corev1.ConfigMap{}, IndexCity, func(o client.Object) []string {
		if code := o.GetLabels()[governancev1alpha1.LabelVillage]; code != "" {
			return []string{governancev1alpha1.CityOf(code)}
		}
		return nil
	})
}
