package faults

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// managerUser is who the manager processes are to the API server.
const managerUser = "cunshe-operator"

// auditPolicy records every write of the manager, and nothing else: the
// API server's own account of what the operator wrote, per object.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived, ResponseStarted]
rules:
- level: Request
  users: [` + managerUser + `]
  verbs: [update, patch]
  resources: [{group: governance.cunshe.io, resources: [listrollouts/status]}]
- level: Metadata
  users: [` + managerUser + `]
  verbs: [create, update, patch, delete, deletecollection]
- level: None
`

// auditLog reads the API server's audit log.
type auditLog struct{ path string }

// auditEvent is what the suite reads of an audit event.
type auditEvent struct {
	Verb string `json:"verb"`
	User struct {
		Username string `json:"username"`
	} `json:"user"`
	ObjectRef struct {
		Resource    string `json:"resource"`
		Namespace   string `json:"namespace"`
		Name        string `json:"name"`
		Subresource string `json:"subresource"`
	} `json:"objectRef"`
	ResponseStatus struct {
		Code int `json:"code"`
	} `json:"responseStatus"`
	// RequestObject is the patch of a rollout's status (the policy's Request level).
	RequestObject json.RawMessage `json:"requestObject"`
}

// kind is e.g. "update configmaps" or "patch villages/status".
func (e auditEvent) kind() string {
	r := e.ObjectRef.Resource
	if e.ObjectRef.Subresource != "" {
		r += "/" + e.ObjectRef.Subresource
	}
	return e.Verb + " " + r
}

// object names what was written, e.g. "configmaps village-330302001001/cunshe-lists".
func (e auditEvent) object() string {
	return e.kind() + " " + e.ObjectRef.Namespace + "/" + e.ObjectRef.Name
}

// mark is where the log ends now.
func (a auditLog) mark() int64 {
	fi, err := os.Stat(a.path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// writesSince returns the manager's writes logged after mark.
func (a auditLog) writesSince(mark int64) ([]auditEvent, error) {
	f, err := os.Open(a.path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	if _, err := f.Seek(mark, io.SeekStart); err != nil {
		return nil, err
	}
	var out []auditEvent
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e auditEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			continue // a line being written
		}
		if e.User.Username == managerUser {
			out = append(out, e)
		}
	}
	return out, sc.Err()
}

// summary counts writes by verb and resource, largest first.
func summary(events []auditEvent) string {
	counts := map[string]int{}
	for _, e := range events {
		counts[e.kind()]++
	}
	keys := sortedKeys(counts)
	slices.SortStableFunc(keys, func(a, b string) int { return counts[b] - counts[a] })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, counts[k])
	}
	return strings.Join(parts, " ")
}

// repeated counts writes of an object beyond its first, among the writes
// whose kind is one of kinds.
func repeated(events []auditEvent, kinds ...string) int {
	seen := map[string]int{}
	n := 0
	for _, e := range events {
		if !slices.Contains(kinds, e.kind()) {
			continue
		}
		if seen[e.object()]++; seen[e.object()] > 1 {
			n++
		}
	}
	return n
}
