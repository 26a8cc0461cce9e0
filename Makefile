# The two commands of the README:
#   make run    install missing Debian packages, build (Release), plan a calcific-tendinitis treatment on the embedded
#               shoulder phantom into out/plan (issue 5: under 3 minutes on 2 cores)
#   make test   install missing Debian packages, build (Release), run the whole test suite
# Also: make deps | configure | build | clean.  Override e.g. `make test BUILD_DIR=build-dbg BUILD_TYPE=Debug`.

BUILD_DIR  ?= build
BUILD_TYPE ?= Release
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
TEST_JOBS  ?= 2
CMAKE      ?= cmake
CTEST      ?= ctest

# OpenMP threads sleep rather than spin while they wait: ctest runs two tests at once on two cores, and
# spinning threads then steal each other's cores (measured: a 3D run took 4x longer with active waiting).
export OMP_WAIT_POLICY ?= passive

# Any failing command in a recipe stops make with a non-zero exit status.
.SHELLFLAGS := -eu -o pipefail -c
SHELL := /bin/bash

.PHONY: all deps configure build run test clean

all: build

deps:
	scripts/install-deps.sh

configure: deps
	$(CMAKE) -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: configure
	$(CMAKE) --build $(BUILD_DIR) -j$(JOBS)

run: build
	mkdir -p out
	$(BUILD_DIR)/lithosim plan --indication tendon --phantom shoulder --out out/plan

test: build
	$(CTEST) --test-dir $(BUILD_DIR) --output-on-failure -j$(TEST_JOBS)

clean:
	rm -rf $(BUILD_DIR)
