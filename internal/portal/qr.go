package portal

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
)

// QR codes: PNG for screens and print shops, SVG for a sharp A4 sheet.
// Medium error correction survives a smudged or partly faded wall print.
const (
	qrLevel   = qrcode.Medium
	qrPNGSize = 512 // pixels
)

// villageQR serves /qr/<code>.png|svg: the village's page.
func (s *Site) villageQR(w http.ResponseWriter, r *http.Request) {
	code, ext, ok := splitExt(r.PathValue("file"))
	if !ok || !villageCode.MatchString(code) || s.snap.Load().Village(code) == nil {
		s.notFound(w, r)
		return
	}
	s.serveQR(w, r, s.villageURL(code, ""), ext)
}

// entryQR serves /qr/<code>/<entry>.png|svg: one 码上 entry point (S9).
func (s *Site) entryQR(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	key, ext, ok := splitExt(r.PathValue("file"))
	e, known := entryOf(key)
	if !ok || !known || !villageCode.MatchString(code) || s.snap.Load().Village(code) == nil {
		s.notFound(w, r)
		return
	}
	s.serveQR(w, r, s.villageURL(code, e.Anchor), ext)
}

func splitExt(file string) (name, ext string, ok bool) {
	i := strings.LastIndexByte(file, '.')
	if i <= 0 {
		return "", "", false
	}
	name, ext = file[:i], file[i+1:]
	return name, ext, ext == "png" || ext == "svg"
}

func (s *Site) serveQR(w http.ResponseWriter, r *http.Request, content, ext string) {
	v := newVersions()
	v.add(content, ext)
	if notModified(w, r, v.etag()) {
		return
	}
	q, err := qrcode.New(content, qrLevel)
	if err != nil {
		s.errorPage(w, r, http.StatusInternalServerError)
		return
	}
	if ext == "svg" {
		s.write(w, r, "image/svg+xml", v, qrSVG(q.Bitmap()))
		return
	}
	png, err := q.PNG(qrPNGSize)
	if err != nil {
		s.errorPage(w, r, http.StatusInternalServerError)
		return
	}
	s.write(w, r, "image/png", v, png)
}

// qrSVG draws the code's modules (its quiet zone included) as one path of
// unit squares, merged per row run, on a white background.
func qrSVG(bitmap [][]bool) []byte {
	n := len(bitmap)
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`, n, n)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y, row := range bitmap {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			run := 1
			for x+run < len(row) && row[x+run] {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x, y, run, run)
			x += run
		}
	}
	b.WriteString(`"/></svg>`)
	return b.Bytes()
}
