#!/usr/bin/env bash
# The bash completion of alpr (host/system/alpr.bash-completion) against the program. The
# completion writes its commands, actions, options and values out instead of asking alpr (it
# must be instant), so this test keeps them equal to what alpr says:
#   - `alpr ` offers exactly the commands of `alpr --help`, `alpr -` its global options;
#   - for every command, the long options offered (before and after each action) are exactly
#     those of `alpr COMMAND --help` (and `alpr COMMAND ACTION --help`), plus --help;
#     `alpr COMMAND ` offers exactly its actions;
#   - option values (--format, --engine, --purpose, --kind, --state, --role, registers) are the
#     ones the program or its help names; paths complete as files or folders;
#   - completing never runs alpr.
# The completion is driven as bash does it: COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT
# set, then the function registered for alpr called.
# Ends with "N passed, N failed, N skipped".
# shellcheck disable=SC2046,SC2086,SC2116  # word lists are split on purpose
set -u
. "$(dirname "$0")/e2e_common.sh"

COMPLETION=$E2E_ROOT/host/system/alpr.bash-completion
BASH_COMPLETION_LIB=${BASH_COMPLETION_LIB:-/usr/share/bash-completion/bash_completion}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/alpr-compl-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export HOME=$WORK XDG_DATA_HOME=$WORK XDG_RUNTIME_DIR=$WORK ALPR_DB=$WORK/none.db
unset ALPR_SESSION_FILE ALPR_PASSWORD ALPR_NEW_PASSWORD

if [[ ! -x $ALPR ]]; then
  e2e_skipped "completion" "$ALPR not built"
  e2e_finish
  exit
fi
if [[ ! -r $BASH_COMPLETION_LIB ]]; then
  e2e_skipped "completion" "$BASH_COMPLETION_LIB absent (Debian package bash-completion)"
  e2e_finish
  exit
fi

# Words of a command's --help that are not that command's own options: the global --json and
# --csv they refer to, and the trainer's --out-bin that `read --model` names. Each is checked
# below to be refused by the command, so this list cannot hide a real option.
declare -A NOT_OPTIONS=(
  [scene]='--json --csv' [search]='--json --csv' [report]='--json --csv'
  [device]='--json --csv' [read]='--out-bin'
)

# ---- Driving the completion -----------------------------------------------------------------------

# A stand-in alpr first in PATH: completing must never run the program.
mkdir -p "$WORK/bin"
printf '#!/bin/sh\ntouch "%s/alpr-was-run"\n' "$WORK" >"$WORK/bin/alpr"
chmod +x "$WORK/bin/alpr"
PATH=$WORK/bin:$PATH

# bash-completion's library and the completion are written for an interactive shell, not
# for `set -u`.
set +u
# shellcheck source=/dev/null
. "$BASH_COMPLETION_LIB"
# shellcheck source=../host/system/alpr.bash-completion
. "$COMPLETION"
set -u
COMPFUNC=$(complete -p alpr 2>/dev/null | grep -oE -- '-F [^ ]+' | cut -d' ' -f2)

# complete LINE: what completing at the end of LINE offers, one word per line, sorted.
complete_line() {
  local line=$1
  COMP_LINE=$line
  COMP_POINT=${#line}
  read -ra COMP_WORDS <<<"$line"
  [[ $line == *' ' ]] && COMP_WORDS+=('')
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  set +u
  "$COMPFUNC" alpr "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" 2>/dev/null
  set -u
  ((${#COMPREPLY[@]})) && printf '%s\n' "${COMPREPLY[@]}" | sort -u
}
words() { tr ' ,|' '\n\n\n' <<<"$*" | grep -v '^$' | sort -u; }
# same NAME EXPECTED ACTUAL: ok when the two word lists are equal; else says what differs.
same() {
  local name=$1 want got
  want=$(words $2)
  got=$(words $3)
  if [[ $want == "$got" ]]; then
    e2e_ok "$name"
  else
    e2e_bad "$name" "missing: $(comm -23 <(echo "$want") <(echo "$got") | tr '\n' ' ')extra: $(comm -13 <(echo "$want") <(echo "$got") | tr '\n' ' ')"
  fi
}

long_opts() { grep -oE -- '--[a-z][a-z0-9-]*[a-z0-9]' | sort -u; }
short_opts() { grep -oE -- '(^|[ ,])-[a-zA-Z]\b' | grep -oE -- '-[a-zA-Z]' | sort -u; }
# actions_of COMMAND HELP: the command's action words, from its usage lines
# ("alpr hold add ...") and its list of actions ("  init --name ...", "| enable NAME").
actions_of() {
  {
    grep -oE "alpr( \[[^]]*\])* $1 [a-z]+" <<<"$2" | awk '{ print $NF }'
    grep -oE '^  [a-z][a-z-]*( |$)' <<<"$2" | awk '{ print $1 }'
    grep -oE '\| [a-z]+ [A-Z]' <<<"$2" | awk '{ print $2 }'
  } | sort -u
}

e2e_check "the completion registers a function for alpr" test -n "$COMPFUNC"
[[ -n $COMPFUNC ]] || {
  e2e_finish
  exit
}

# ---- Commands and global options ------------------------------------------------------------------

MAIN_HELP=$("$ALPR" --help)
CMDS=$(awk '/^Commands:/ { f = 1; next } f && NF == 0 { exit } f { print $1 }' <<<"$MAIN_HELP")
e2e_check "alpr --help lists the commands ($(words $CMDS | wc -l))" test "$(words $CMDS | wc -l)" -ge 10
same "'alpr ' offers the commands of alpr --help and nothing else" "$CMDS" "$(complete_line 'alpr ')"
GLOBAL_HELP=$(sed -n '/^Options/,/^Commands:/p' <<<"$MAIN_HELP")
same "'alpr -' offers the global options of alpr --help" \
  "$(long_opts <<<"$GLOBAL_HELP") $(short_opts <<<"$GLOBAL_HELP")" "$(complete_line 'alpr -')"
same "'alpr -q --socket x ' offers the commands (global options and their values skipped)" \
  "$CMDS" "$(complete_line 'alpr -q --socket x ')"

# ---- Each command's options and actions ---------------------------------------------------------

for c in $CMDS; do
  help=$("$ALPR" "$c" --help 2>&1)
  acts=$(actions_of "$c" "$help")
  all_help=$help
  for a in $acts; do all_help+=$'\n'$("$ALPR" "$c" "$a" --help 2>&1); done
  want=$(long_opts <<<"$all_help" | grep -vxF -f <(words ${NOT_OPTIONS[$c]:-} --help))
  got=$(complete_line "alpr $c --")
  for a in $acts; do got+=$'\n'$(complete_line "alpr $c $a --"); done
  same "'alpr $c ${acts:+ACTION }--' offers the options of its --help ($(words $want | wc -l)) and --help" \
    "$want --help" "$got"
  if [[ -n $acts ]]; then
    same "'alpr $c ' offers its actions ($(echo $acts))" "$acts" "$(complete_line "alpr $c ")"
  fi
  # The exclusions are not options of the command: it refuses them.
  for o in ${NOT_OPTIONS[$c]:-}; do
    err=$("$ALPR" "$c" $(words $acts | head -n 1) "$o=x" --no-such-option-x 2>&1)
    e2e_check "alpr $c refuses $o, which its --help mentions (global or another program's)" \
      grep -qF "unrecognized option '$o=x'" <<<"$err"
  done
done
same "'alpr search --' offers every long option of alpr search --help" \
  "$(long_opts <<<"$("$ALPR" search --help)" | grep -vxF -e --json -e --csv) --help" \
  "$(complete_line 'alpr search --')"

# ---- Values ---------------------------------------------------------------------------------------

# From the program's own refusals, where it lists the values it takes.
list_in() { grep -oE -- "$1" <<<"$2" | head -n 1 | sed -E "s/$1/\\1/"; }
fmts=$(list_in "unknown format '[^']*' \(([a-z, ]+)\)" "$("$ALPR" --format no-such 2>&1)")
same "'alpr --format ' offers text json csv" "text json csv" \
  "$(complete_line 'alpr --format ')"
same "'alpr --format ' offers what alpr's --format accepts ($fmts)" "$fmts" \
  "$(complete_line 'alpr --format ')"
same "'alpr --format=' offers the same" "$fmts" "$(complete_line 'alpr --format=')"
engines=$(list_in "unknown engine '[^']*' \(([a-z, ]+)\)" "$("$ALPR" read --engine no-such x 2>&1)")
same "'alpr read --engine ' offers the engines alpr read names ($engines)" "$engines" \
  "$(complete_line 'alpr read --engine ')"
kinds=$(list_in '--kind: ([a-z, ]+ or [a-z]+)' "$("$ALPR" hold add --kind no-such 2>&1)")
same "'alpr hold add --kind ' offers the kinds alpr hold names ($kinds)" "${kinds//or/}" \
  "$(complete_line 'alpr hold add --kind ')"
# From the help, where the program lists them only there.
purposes=$(list_in '--purpose P +([a-z| -]+)$' "$("$ALPR" search --help)")
same "'alpr search --purpose ' offers the purposes of alpr search --help ($purposes)" \
  "$purposes" "$(complete_line 'alpr search --purpose ')"
states=$(list_in '--state ([a-z|]+)' "$("$ALPR" alert --help)")
same "'alpr alert list --state ' offers the states of alpr alert --help" "$states" \
  "$(complete_line 'alpr alert list --state ')"
roles=$(list_in 'ROLE: ([a-z, ]+)' "$("$ALPR" user --help)")
same "'alpr user add --role ' offers the roles of alpr user --help ($roles)" "$roles" \
  "$(complete_line 'alpr user add --role ')"
same "'alpr user role NAME ' offers the roles" "$roles" "$(complete_line 'alpr user role bob ')"
scene_fmts=$(list_in '--format ([a-z|]+)' "$("$ALPR" scene --help)")
same "'alpr scene --format ' offers the formats of alpr scene --help ($scene_fmts)" \
  "$scene_fmts" "$(complete_line 'alpr scene --format ')"
# The register names: the driver's table (driver/wire.c), which alpr device looks names up in.
regs=$(grep -oE '\{WIRE_REG_[A-Z0-9_]+( \+ [0-9])?, "[A-Z0-9_]+"\}' "$E2E_ROOT/driver/wire.c" |
  grep -oE '"[A-Z0-9_]+"' | tr -d '"')
e2e_check "driver/wire.c: the register names are found ($(words $regs | wc -l))" \
  test "$(words $regs | wc -l)" -ge 10
same "'alpr device read ' offers the board's registers" "$regs" \
  "$(complete_line 'alpr device read ')"
same "'alpr device --serial S write ' offers them too" "$regs" \
  "$(complete_line 'alpr device --serial S write ')"
same "'alpr search --limit ' offers nothing (a number)" "" "$(complete_line 'alpr search --limit ')"
# An option's value is not taken for the action or a positional argument, wherever the option
# sits in the completion's tables.
same "'alpr device --transfers 4 --timeout-ms 9 read ' offers the registers" "$regs" \
  "$(complete_line 'alpr device --transfers 4 --timeout-ms 9 read ')"
same "'alpr device --transfers 4 ' offers the actions" "$(actions_of device "$("$ALPR" device --help)")" \
  "$(complete_line 'alpr device --transfers 4 ')"

# ---- Paths ----------------------------------------------------------------------------------------

mkdir -p "$WORK/p/frames"
touch "$WORK/p/alpr.db" "$WORK/p/photo.png"
files="$WORK/p/alpr.db $WORK/p/photo.png $WORK/p/frames"
same "'alpr --socket DIR/' offers its files" "$files" "$(complete_line "alpr --socket $WORK/p/")"
same "'alpr read DIR/' offers its files" "$files" "$(complete_line "alpr read --crop $WORK/p/")"
same "'alpr search --show 1 --image DIR/' offers its files" "$files" \
  "$(complete_line "alpr search --show 1 --image $WORK/p/")"
same "'alpr scene --out DIR/' offers folders only" "$WORK/p/frames" \
  "$(complete_line "alpr scene --out $WORK/p/")"

e2e_check "completing never ran alpr" test ! -e "$WORK/alpr-was-run"

e2e_finish
