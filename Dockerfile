# The manager's image, the one the Helm chart deploys (image.repository
# cunshe/cunshe-operator, command /manager, UID 65532): `make docker-build`.
# It is built with -tags nolocal, which leaves the local mode out (envtest,
# the control-plane launcher, --local-dir): see cmd/manager/local.go.
# test/deploy's TestImageMatchesDockerfile keeps this file and the chart in
# step.

ARG GO_VERSION=1.26

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS builder
ARG TARGETOS=linux
ARG TARGETARCH=amd64
ARG VERSION=dev
WORKDIR /src
ENV GOWORK=off CGO_ENABLED=0
# The modules first, in their own layer: a source change does not fetch them again.
COPY go.mod go.sum ./
RUN go mod download
COPY api/ api/
COPY cmd/ cmd/
COPY config/ config/
COPY controllers/ controllers/
COPY internal/ internal/
RUN GOOS=${TARGETOS} GOARCH=${TARGETARCH} go build -trimpath -tags nolocal \
      -ldflags "-s -w -X github.com/cunshe/cunshe-operator/internal/version.Version=${VERSION}" \
      -o /out/manager ./cmd/manager

# Static, no shell, no package manager; its nonroot user is 65532, the UID
# the chart's and config/manager's pods run as (runAsUser).
FROM gcr.io/distroless/static:nonroot
COPY --from=builder /out/manager /manager
USER 65532:65532
ENTRYPOINT ["/manager"]
