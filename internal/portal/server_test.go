package portal

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestBoundedRefusesBeyondItsSlotsAndSetsADeadline(t *testing.T) {
	entered, release := make(chan time.Time, 1), make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		deadline, _ := r.Context().Deadline()
		entered <- deadline
		<-release
	})
	h := bounded(slow, 1, time.Minute, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	done := make(chan struct{})
	go func() {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
		close(done)
	}()
	deadline := <-entered
	if until := time.Until(deadline); until <= 0 || until > time.Minute {
		t.Errorf("the request's deadline is %v away, want within a minute", until)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("a request beyond the slots got %d, want 503", w.Code)
	}
	close(release)
	<-done
	go func() { <-entered }()
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if w.Code != http.StatusOK {
		t.Errorf("after the slot freed: %d, want 200", w.Code)
	}
}
