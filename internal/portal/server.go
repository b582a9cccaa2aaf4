package portal

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// Server serves the Site from the manager's cache. Every replica serves
// (it needs no leader); a change of any kind the pages show marks the
// snapshot stale, and it is rebuilt at most once per Debounce.
type Server struct {
	Addr        string
	Site        *Site
	Cache       cache.Cache
	Log         logr.Logger
	MaxInFlight int           // concurrent requests; more get 503 at once
	Timeout     time.Duration // per request
	Debounce    time.Duration
	// CacheDir holds the rendered village pages (a folder of its own is
	// made in it and removed at the end); empty: the system's temp folder.
	CacheDir string

	stale    atomic.Bool
	listener net.Listener
}

// Defaults of the portal server.
const (
	DefaultMaxInFlight = 512
	DefaultTimeout     = 10 * time.Second
	DefaultDebounce    = 500 * time.Millisecond
)

// shownKinds are the kinds whose changes show on a page.
func shownKinds() []client.Object {
	return []client.Object{
		&governancev1alpha1.Jurisdiction{}, &governancev1alpha1.Village{}, &corev1.ConfigMap{},
		&governancev1alpha1.ListRevision{}, &governancev1alpha1.ListItem{}, &governancev1alpha1.PowerFlow{},
		&governancev1alpha1.Task{}, &governancev1alpha1.Disclosure{}, &governancev1alpha1.PublicNotice{},
		&governancev1alpha1.DepartmentCompliance{}, &governancev1alpha1.SignboardSet{}, &governancev1alpha1.SignboardStyle{},
		&governancev1alpha1.ReviewUnit{},
	}
}

// +kubebuilder:rbac:groups=governance.cunshe.io,resources=disclosures;publicnotices;departmentcompliances;signboardsets;signboardstyles;reviewunits;tasks;listrevisions;listitems;powerflows;jurisdictions;villages,verbs=get;list;watch

// NeedLeaderElection is false: every replica serves the portal.
func (s *Server) NeedLeaderElection() bool { return false }

// Listen binds the address now, so that a busy port fails the start and
// the URL printed is the one served.
func (s *Server) Listen() (string, error) {
	l, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return "", err
	}
	s.listener = l
	return l.Addr().String(), nil
}

// Start serves until ctx ends.
func (s *Server) Start(ctx context.Context) error {
	if s.listener == nil {
		if _, err := s.Listen(); err != nil {
			return err
		}
	}
	s.defaults()
	pages, err := os.MkdirTemp(s.CacheDir, "cunshe-portal-")
	if err != nil {
		return fmt.Errorf("the portal's page cache: %w", err)
	}
	defer func() { _ = os.RemoveAll(pages) }()
	s.Site.CachePages(pages)
	if err := s.watch(ctx); err != nil {
		return err
	}
	go s.refresh(ctx)
	srv := &http.Server{
		Handler:           s.handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      s.Timeout + 5*time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	s.Log.Info("Serving the portal", "address", s.listener.Addr().String(), "publicURL", s.Site.PublicURL)
	if err := srv.Serve(s.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (s *Server) defaults() {
	if s.MaxInFlight <= 0 {
		s.MaxInFlight = DefaultMaxInFlight
	}
	if s.Timeout <= 0 {
		s.Timeout = DefaultTimeout
	}
	if s.Debounce <= 0 {
		s.Debounce = DefaultDebounce
	}
}

// handler bounds the requests in flight and their time.
func (s *Server) handler() http.Handler {
	return bounded(s.Site, s.MaxInFlight, s.Timeout, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1")
		s.Site.errorPage(w, r, http.StatusServiceUnavailable)
	})
}

// bounded lets at most n requests into h at once (the others get busy, at
// once: a queue would only hold them past their timeouts) and gives each a
// deadline on its context. Slow clients are the server's read and write
// timeouts' to cut: http.TimeoutHandler would buffer every page and lose
// sendfile.
func bounded(h http.Handler, n int, timeout time.Duration, busy http.HandlerFunc) http.Handler {
	slots := make(chan struct{}, n)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			ctx, cancel := context.WithTimeout(r.Context(), timeout)
			defer cancel()
			h.ServeHTTP(w, r.WithContext(ctx))
		default:
			busy(w, r)
		}
	})
}

// watch marks the snapshot stale on every change of a shown kind.
func (s *Server) watch(ctx context.Context) error {
	mark := toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { s.stale.Store(true) },
		UpdateFunc: func(any, any) { s.stale.Store(true) },
		DeleteFunc: func(any) { s.stale.Store(true) },
	}
	for _, kind := range shownKinds() {
		inf, err := s.Cache.GetInformer(ctx, kind)
		if err != nil {
			return err
		}
		if _, err := inf.AddEventHandler(mark); err != nil {
			return err
		}
	}
	return nil
}

// refresh rebuilds the snapshot when it is stale, at most once per Debounce.
func (s *Server) refresh(ctx context.Context) {
	if !s.Cache.WaitForCacheSync(ctx) {
		return
	}
	s.stale.Store(true)
	t := time.NewTicker(s.Debounce)
	defer t.Stop()
	for {
		if s.stale.Swap(false) {
			snap, err := Build(ctx, s.Cache)
			if err != nil {
				s.Log.Error(err, "Reading the portal's snapshot")
				s.stale.Store(true)
			} else {
				s.Site.SetSnapshot(snap)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
