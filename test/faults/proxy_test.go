package faults

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// proxy forwards TCP connections to one of its backends, as a Service does
// for the webhook's replicas: each new connection goes to the next backend
// in turn, or to the other one when that refuses. TLS passes through
// untouched. With a delay, every chunk of bytes is held that long in each
// direction before it is passed on: a slow network between a client and
// the API server, without a bound on throughput.
type proxy struct {
	listener net.Listener
	backends []string
	delay    time.Duration
	next     atomic.Uint64
	wg       sync.WaitGroup

	mu    sync.Mutex
	conns map[net.Conn]bool
}

// startProxy listens on addr ("127.0.0.1:0" for any port) and forwards to backends.
func startProxy(addr string, delay time.Duration, backends ...string) (*proxy, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	p := &proxy{listener: l, backends: backends, delay: delay, conns: map[net.Conn]bool{}}
	p.wg.Go(p.accept)
	return p, nil
}

// Addr is where the proxy listens.
func (p *proxy) Addr() string { return p.listener.Addr().String() }

// Close stops listening and cuts every connection.
func (p *proxy) Close() {
	_ = p.listener.Close()
	p.mu.Lock()
	for c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *proxy) accept() {
	for {
		in, err := p.listener.Accept()
		if err != nil {
			return
		}
		p.wg.Go(func() { p.serve(in) })
	}
}

func (p *proxy) serve(in net.Conn) {
	out, err := p.dial()
	if err != nil {
		_ = in.Close()
		return
	}
	if !p.track(in, out) {
		return
	}
	defer p.untrack(in, out)
	done := make(chan struct{}, 2)
	go func() { p.pipe(out, in); done <- struct{}{} }()
	go func() { p.pipe(in, out); done <- struct{}{} }()
	// One side gone: the other is cut too, as a dead pod's connections are.
	<-done
	_ = in.Close()
	_ = out.Close()
	<-done
}

// dial connects to the next backend in turn, or to any other that answers.
func (p *proxy) dial() (net.Conn, error) {
	start := int(p.next.Add(1))
	var errs []error
	for i := range p.backends {
		addr := p.backends[(start+i)%len(p.backends)]
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

func (p *proxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns == nil {
		for _, c := range conns {
			_ = c.Close()
		}
		return false
	}
	for _, c := range conns {
		p.conns[c] = true
	}
	return true
}

func (p *proxy) untrack(conns ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range conns {
		delete(p.conns, c)
	}
}

// pipe copies src to dst, holding each chunk for the proxy's delay.
func (p *proxy) pipe(dst, src net.Conn) {
	if p.delay == 0 {
		_, _ = io.Copy(dst, src)
		return
	}
	type chunk struct {
		data []byte
		due  time.Time
	}
	chunks := make(chan chunk, 1024)
	go func() {
		defer close(chunks)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				chunks <- chunk{buf[:n], time.Now().Add(p.delay)}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range chunks {
		time.Sleep(time.Until(c.due))
		if _, err := dst.Write(c.data); err != nil {
			_ = src.Close()
			for range chunks { //nolint:revive // drain, so the reader ends
			}
			return
		}
	}
}
