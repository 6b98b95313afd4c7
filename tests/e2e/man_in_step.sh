# man_in_step.sh: the committed depsim(1) page is exactly what scripts/gen-man makes from the
# tool's --help texts, so the man page and --help never drift apart.
source "$DS_SRC/tests/e2e/lib.sh"
"$DS_SRC/scripts/gen-man" "$DEPSIM" > "$WORK/depsim.1"
if ! diff -u "$DS_SRC/man/depsim.1" "$WORK/depsim.1" > "$WORK/diff"; then
  head -40 "$WORK/diff" >&2
  fail "man/depsim.1 is out of step with --help: run scripts/gen-man build/depsim > man/depsim.1"
fi
# every command in --help has a section
for c in $("$DEPSIM" --help | awk '/^Commands:/{on=1;next} on && /^$/{exit} on{print $1}'); do
  grep -q "^.SS \"depsim $c\"" "$DS_SRC/man/depsim.1" || fail "no man section for $c"
done
echo "man page in step with --help"
