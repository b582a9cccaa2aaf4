#!/usr/bin/env bash
echo "hack/dist.sh: not built yet" >&2; exit 1
