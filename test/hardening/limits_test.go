package hardening_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	admissionv1 "k8s.io/api/admission/v1"

	"github.com/cunshe/cunshe-operator/internal/webhooks"
)

// The deadlines of webhooks.Bounded, with short limits on a plain server:
// the manager's are 10 s each (webhooks.DefaultLimits).
var short = webhooks.Limits{MaxRequestBytes: 1 << 20, ReadTimeout: 200 * time.Millisecond, HandlerTimeout: 200 * time.Millisecond}

// patience is how long a test waits for an answer a limit must bring: far
// beyond the limits above, so only a missing limit reaches it.
const patience = 30 * time.Second

func TestABodySentSlowlyIsCutOffAtTheReadDeadline(t *testing.T) {
	reached := make(chan struct{}, 1)
	srv := httptest.NewServer(webhooks.Bounded(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached <- struct{}{} }), short))
	defer srv.Close()

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	defer func() { _ = conn.Close() }()
	// A body of 1,000 bytes announced, 12 sent, and then nothing.
	_, err = conn.Write([]byte("POST /validate HTTP/1.1\r\nHost: webhook\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n" +
		`{"request":{`))
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	NewWithT(t).Expect(conn.SetReadDeadline(time.Now().Add(patience))).To(Succeed())

	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	NewWithT(t).Expect(err).NotTo(HaveOccurred(), "no answer: the server is still waiting for the body")
	defer func() { _ = resp.Body.Close() }()
	answer := &admissionv1.AdmissionReview{}
	NewWithT(t).Expect(json.NewDecoder(resp.Body).Decode(answer)).To(Succeed())
	g := NewWithT(t)
	g.Expect(answer.Response.Allowed).To(BeFalse())
	g.Expect(answer.Response.Result.Code).To(BeEquivalentTo(http.StatusRequestTimeout))
	g.Expect(answer.Response.Result.Message).To(HavePrefix("准入请求未能在 200ms 内读完，未予处理 / the admission request did not arrive within 200ms and was not read: "))
	g.Expect(reached).To(BeEmpty(), "the webhook never saw the partial body")
}

func TestTheWebhookAnswersWithinTheHandlerDeadline(t *testing.T) {
	seen := make(chan error, 1)
	srv := httptest.NewServer(webhooks.Bounded(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // a lookup that never returns on its own
		seen <- r.Context().Err()
	}), short))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, nil)
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	resp, err := srv.Client().Do(req)
	NewWithT(t).Expect(err).NotTo(HaveOccurred(), "no answer: the webhook's context has no deadline")
	_ = resp.Body.Close()
	NewWithT(t).Expect(errors.Is(<-seen, context.DeadlineExceeded)).To(BeTrue())
}
