package listindex

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	toolscache "k8s.io/client-go/tools/cache"
)

// registration is an informer handler whose first list has or has not
// been delivered.
type registration struct {
	toolscache.ResourceEventHandlerRegistration
	synced atomic.Bool
}

func (r *registration) HasSynced() bool { return r.synced.Load() }

// TestSyncedOnlyOnceEveryHandlerHasTheCity: a replica that has started but
// not yet delivered its informers' first lists to the index is not synced,
// and waiting for it ends with the context (the task webhook then says the
// operator is starting instead of judging against part of the city).
func TestSyncedOnlyOnceEveryHandlerHasTheCity(t *testing.T) {
	villages, lists := &registration{}, &registration{}
	x := &Index{handlers: []toolscache.ResourceEventHandlerRegistration{lists, villages}}
	villages.synced.Store(true)
	if x.Synced() {
		t.Fatal("synced while the lists ConfigMaps' handler has not seen its first list")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := x.WaitSynced(ctx); err == nil {
		t.Fatal("WaitSynced returned nil before the index was synced")
	}
	go func() {
		time.Sleep(20 * time.Millisecond)
		lists.synced.Store(true)
	}()
	if err := x.WaitSynced(context.Background()); err != nil || !x.Synced() {
		t.Fatalf("WaitSynced = %v, Synced = %v after every handler synced", err, x.Synced())
	}
}
