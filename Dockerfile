# The grader in a container: grades a mounted submissions folder into a mounted output folder.
#
#   docker build -t module14-autograder .
#   docker run --rm -v "$PWD/submissions:/submissions:ro" -v "$PWD/out:/out" module14-autograder
#   docker run --rm ... module14-autograder --jobs 4 --isolation strict     # extra `autograder grade` options
#
# /submissions is an nbgrader `submitted/` tree (<student>/<assignment>/<notebook>.ipynb) or a
# folder of notebooks; /out receives the results, feedback and grades.csv (README: "Grading").
#
# Isolation (README "Security model"; `autograder grade` prints the mode and its layers at start):
# - `docker run` with Docker's defaults (root without CAP_SYS_ADMIN, the default seccomp profile,
#   which refuses unshare(CLONE_NEWUSER), /sys/fs/cgroup read-only): mode `partial` -- an unused uid
#   per child, Landlock (kernels >= 5.13), seccomp and rlimits; no namespaces, no cgroup.
# - add `--security-opt seccomp=unconfined` (or a seccomp profile that allows unshare and clone with
#   CLONE_NEWUSER): mode `strict`, the full jail built in a user namespace, still without CAP_SYS_ADMIN.
# - or `--cap-add SYS_ADMIN`: Docker's profile then allows unshare, and the jail is built directly.
# - `--isolation strict` makes the grader refuse rather than grade with less than the full jail.
# bubblewrap would not help: unprivileged, it needs the same user namespaces the profile refuses.
FROM python:3.11-slim-bookworm

# libseccomp2: the child's seccomp filter (pyseccomp loads it); util-linux: setpriv, for debugging modes.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libseccomp2 util-linux \
 && rm -rf /var/lib/apt/lists/*

# A regular (non-editable) install in its own venv: the hidden tests and references live inside
# the package in site-packages, which the jail hides from the child.
COPY pyproject.toml README.md /tmp/autograder-src/
COPY autograder /tmp/autograder-src/autograder
RUN python -m venv /opt/autograder \
 && /opt/autograder/bin/pip install --no-cache-dir --quiet /tmp/autograder-src \
 && rm -rf /tmp/autograder-src \
 && /opt/autograder/bin/python -c "import autograder.sandbox.isolation"

# The course: the instructors' source notebooks give each exercise's points (nothing else is read).
COPY nbgrader_config.py /course/
COPY source /course/source
WORKDIR /course
ENV PATH=/opt/autograder/bin:$PATH PYTHONDONTWRITEBYTECODE=1

VOLUME ["/submissions", "/out"]
ENTRYPOINT ["autograder", "grade", "/submissions", "--out", "/out", "--course", "/course"]
CMD []
