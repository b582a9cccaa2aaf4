package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
)

// Limits bound what one admission request may cost the webhook server
// (docs/admission-limits.md). controller-runtime already caps a body at
// 7 MiB and waits at most 32 s for a request's headers; these are tighter,
// and add what it lacks: a deadline for the body and one for the answer.
type Limits struct {
	// MaxRequestBytes is the largest AdmissionReview read. The API server
	// stores at most 1.5 MiB per object (etcd) and our kinds' schemas keep
	// them far smaller; an update carries the object twice.
	MaxRequestBytes int64
	// ReadTimeout is how long the body may take to arrive.
	ReadTimeout time.Duration
	// HandlerTimeout bounds the rules and the lookups they make: the API
	// server gives up on a webhook after timeoutSeconds (10 s by default).
	HandlerTimeout time.Duration
}

// DefaultLimits are the manager's.
var DefaultLimits = Limits{MaxRequestBytes: 3 << 20, ReadTimeout: 10 * time.Second, HandlerTimeout: 10 * time.Second}

// NewServer is controller-runtime's webhook server with every webhook
// registered on it bounded by limits.
func NewServer(o webhook.Options, limits Limits) webhook.Server {
	return &boundedServer{Server: webhook.NewServer(o), limits: limits}
}

type boundedServer struct {
	webhook.Server
	limits Limits
}

func (s *boundedServer) Register(path string, hook http.Handler) {
	s.Server.Register(path, Bounded(hook, s.limits))
}

// Bounded reads a request's body within the limits before hook sees it,
// and gives hook a context that ends at the handler deadline. A body too
// large or too slow is refused with an AdmissionReview the API server
// shows the user, in Chinese and English.
func Bounded(hook http.Handler, l Limits) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Now().Add(l.ReadTimeout)) // not every ResponseWriter supports deadlines (httptest)
		body, err := io.ReadAll(io.LimitReader(r.Body, l.MaxRequestBytes+1))
		switch {
		case int64(len(body)) > l.MaxRequestBytes:
			refuse(w, body, http.StatusRequestEntityTooLarge, fmt.Sprintf("准入请求超过 %[1]d 字节（%[2]s）的上限，未予处理 / "+
				"the admission request is larger than the limit of %[1]d bytes (%[2]s) and was not read", l.MaxRequestBytes, mebibytes(l.MaxRequestBytes)))
			return
		case err != nil:
			refuse(w, body, http.StatusRequestTimeout, fmt.Sprintf("准入请求未能在 %[1]s 内读完，未予处理 / "+
				"the admission request did not arrive within %[1]s and was not read: %[2]v", l.ReadTimeout, err))
			return
		}
		_ = rc.SetReadDeadline(time.Time{})
		ctx, cancel := context.WithTimeout(r.Context(), l.HandlerTimeout)
		defer cancel()
		r = r.WithContext(ctx)
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		hook.ServeHTTP(w, r)
	})
}

func mebibytes(n int64) string {
	return fmt.Sprintf("%g MiB", float64(n)/(1<<20))
}

// requestUID finds the request's uid at the start of an AdmissionReview
// (the API server writes it first), so that a refusal of a body that was
// not decoded still answers the request it belongs to.
var requestUID = regexp.MustCompile(`^\s*\{(?:\s*"(?:kind|apiVersion)"\s*:\s*"[^"]*"\s*,)*\s*"request"\s*:\s*\{\s*"uid"\s*:\s*"([^"\\]{1,128})"`)

// refuse answers with an AdmissionReview that denies the request: the API
// server then tells the user the webhook denied it, with message.
func refuse(w http.ResponseWriter, body []byte, code int32, message string) {
	review := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: admissionv1.SchemeGroupVersion.String(), Kind: "AdmissionReview"},
		Response: &admissionv1.AdmissionResponse{Allowed: false, Result: &metav1.Status{
			Status: metav1.StatusFailure, Code: code, Reason: metav1.StatusReasonRequestEntityTooLarge, Message: message}},
	}
	if code == http.StatusRequestTimeout {
		review.Response.Result.Reason = metav1.StatusReasonTimeout
	}
	if m := requestUID.FindSubmatch(body[:min(len(body), 4096)]); m != nil {
		review.Response.UID = types.UID(m[1])
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(review)
}
