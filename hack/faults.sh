#!/usr/bin/env bash
echo "hack/faults.sh: not built yet" >&2; exit 1
