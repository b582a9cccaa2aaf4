// Package portaltest holds what the portal's tests share: reading a QR code
// the way a phone's camera app does.
package portaltest

import (
	"image/png"
	"io"

	"github.com/makiuchi-d/gozxing"
	qrreader "github.com/makiuchi-d/gozxing/qrcode"
)

// DecodeQR reads the text of the QR code in a PNG.
func DecodeQR(r io.Reader) (string, error) {
	img, err := png.Decode(r)
	if err != nil {
		return "", err
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", err
	}
	res, err := qrreader.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		return "", err
	}
	return res.GetText(), nil
}
