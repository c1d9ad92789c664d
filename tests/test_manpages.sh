#!/usr/bin/env bash
# The manual pages (host/man/*.scd, built by host/man.mk into $ALPR_BUILD/man) against the
# programs they describe, so that the pages cannot drift from --help:
#   - each page renders with man(1) at 80 columns without a groff warning or an overlong line;
#   - alpr(1) has a COMMANDS subsection for every command `alpr --help` lists and none other;
#     each subsection names every action and long option of `alpr COMMAND --help` (and of
#     `alpr COMMAND ACTION --help`), and documents no option that help does not list;
#   - alpr(1) and alprd(8) document every global option, exit status and signal their --help
#     gives; every environment variable host/ reads is in an ENVIRONMENT section;
#   - alprd.conf(5) documents every configuration key alprd accepts, and only those;
#   - alpr-simboard(1) documents every option and signal of `alpr-simboard --help` and no other.
# Ends with "N passed, N failed, N skipped".
set -u
. "$(dirname "$0")/e2e_common.sh"

MAN_DIR=$B/man
WORK=$(mktemp -d "${TMPDIR:-/tmp}/alpr-man-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# Nothing here may reach a real store or session: the programs only print help or refuse.
export HOME=$WORK XDG_DATA_HOME=$WORK XDG_RUNTIME_DIR=$WORK ALPR_DB=$WORK/none.db
unset ALPR_SESSION_FILE ALPR_PASSWORD ALPR_NEW_PASSWORD
export LC_ALL=C.UTF-8 MANWIDTH=80

# ---- Reading pages and help ---------------------------------------------------------------------

# page_text PAGE: the roff source without font changes and escapes. Words are compared in the
# source, one source line at a time: a rendering would break and hyphenate them.
page_text() {
  sed -e 's/\\f[BIRP]//g' -e 's/\\&//g' -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\e/\\/g' "$1"
}
# section TEXT NAME: the lines from `.SH NAME` to the next .SH.
section() {
  awk -v s="$2" '/^\.SH / { t = substr($0, 5); gsub(/"/, "", t); f = (t == s); next } f' <<<"$1"
}
# subsection TEXT NAME: the lines from `.SS NAME` to the next .SS or .SH.
subsection() {
  awk -v s="$2" '/^\.S[HS] / { f = ($1 == ".SS" && substr($0, 5) == s); next } f' <<<"$1"
}
# heads TEXT: the terms of the definition lists (the line before each indented block).
heads() {
  awk '/^\.RS/ && prev !~ /^\./ { print prev } { prev = $0 }' <<<"$1"
}
long_opts() { grep -oE -- '--[a-z][a-z0-9-]*[a-z0-9]' | sort -u; }
short_opts() { grep -oE -- '(^|[ ,])-[a-zA-Z]\b' | grep -oE -- '-[a-zA-Z]' | sort -u; }
# has_word TEXT WORD: WORD occurs in TEXT, not as part of a longer name.
has_word() {
  grep -qE -- "(^|[^A-Za-z0-9_-])$2([^A-Za-z0-9_-]|\$)" <<<"$1"
}
# actions_of COMMAND HELP: the command's action words, from its usage lines
# ("alpr hold add ...") and its list of actions ("  init --name ...", "| enable NAME").
actions_of() {
  {
    grep -oE "alpr( \[[^]]*\])* $1 [a-z]+" <<<"$2" | awk '{ print $NF }'
    grep -oE '^  [a-z]+( |$)' <<<"$2" | awk '{ print $1 }'
    grep -oE '\| [a-z]+ [A-Z]' <<<"$2" | awk '{ print $2 }'
  } | sort -u
}
# exit_codes HELP: the numbers of the "Exit codes: 0 ok, 1 failure, ..." sentence.
exit_codes() {
  tr '\n' ' ' <<<"$1" | grep -oE 'Exit (codes|status):.*' | grep -oE '(:|,) [0-9]+ ' |
    grep -oE '[0-9]+' | sort -u
}
# none NAME WHAT LIST: ok when LIST is empty, else a failure naming LIST as WHAT.
none() {
  if [[ -z $3 ]]; then e2e_ok "$1"; else e2e_bad "$1" "$2: $3"; fi
}
# missing_words TEXT WORD...: prints the words TEXT lacks.
missing_words() {
  local text=$1 w
  shift
  for w in "$@"; do has_word "$text" "$w" || printf '%s ' "$w"; done
}
# options_match PAGE WHAT HELP SECTION: SECTION documents every option HELP (the help of WHAT)
# lists, and no option it lacks.
options_match() {
  local page=$1 what=$2 help=$3 sect=$4 missing extra='' o
  local -a want
  mapfile -t want < <({ long_opts <<<"$help"; short_opts <<<"$help"; })
  missing=$(missing_words "$sect" "${want[@]}")
  none "$page: OPTIONS documents the ${#want[@]} options of $what" missing "$missing"
  for o in $(heads "$sect" | long_opts); do
    has_word "$help" "$o" || extra+="$o "
  done
  none "$page: OPTIONS documents no option $what lacks" extra "$extra"
}

if [[ ! -x $ALPR ]]; then
  e2e_skipped "man pages" "$ALPR not built"
  e2e_finish
  exit
fi

# ---- Rendering ----------------------------------------------------------------------------------

declare -A TEXT
for page in alpr.1 alpr-simboard.1 alprd.8 alprd.conf.5 alpr-stored.8; do
  f=$MAN_DIR/$page
  if [[ ! -f $f ]]; then
    e2e_bad "$page: built" "$f missing (make $f)"
    continue
  fi
  TEXT[$page]=$(page_text "$f")
  # groff's warning name for "every warning" is w (man-db hands --warnings=all on as -wall,
  # which this groff ignores).
  out=$(man --warnings=w -l "$f" 2>"$WORK/stderr")
  rc=$?
  warnings=$(cat "$WORK/stderr")
  if ((rc != 0)) || [[ -n $warnings ]]; then
    e2e_bad "$page: renders with man -l without warnings" "exit $rc: ${warnings:0:400}"
  else
    e2e_ok "$page: renders with man -l without warnings"
  fi
  long=''
  while IFS= read -r line; do
    ((${#line} > 80)) && long+="[${line:0:50}...] "
  done <<<"$out"
  none "$page: every rendered line fits 80 columns" "longer" "$long"
done
[[ -n ${TEXT[alpr.1]:-} && -n ${TEXT[alprd.8]:-} && -n ${TEXT[alprd.conf.5]:-} ]] || {
  e2e_finish
  exit
}

# sections_missing TEXT SECTION...: the sections TEXT lacks.
sections_missing() {
  local text=$1 s
  shift
  for s in "$@"; do grep -qx "\.SH \"\?$s\"\?" <<<"$text" || printf '%s; ' "$s"; done
}
none "alpr.1: has the sections a command's page needs" missing "$(sections_missing "${TEXT[alpr.1]}" \
  NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS ENVIRONMENT "EXIT STATUS" FILES EXAMPLES "SEE ALSO")"
none "alprd.8: has the sections a daemon's page needs" missing "$(sections_missing "${TEXT[alprd.8]}" \
  NAME SYNOPSIS DESCRIPTION OPTIONS SIGNALS SYSTEMD "EXIT STATUS" ENVIRONMENT FILES "SEE ALSO")"

# ---- alpr(1) ------------------------------------------------------------------------------------

MAIN_HELP=$("$ALPR" --help)
mapfile -t CMDS < <(awk '/^Commands:/ { f = 1; next } f && NF == 0 { exit } f { print $1 }' \
  <<<"$MAIN_HELP")
if ((${#CMDS[@]} < 10)); then
  e2e_bad "alpr --help: lists the commands" "found ${#CMDS[@]} under 'Commands:' (format changed?)"
fi
PAGE=${TEXT[alpr.1]}
COMMANDS_SECTION=$(section "$PAGE" COMMANDS)
mapfile -t PAGE_CMDS < <(grep -E '^\.SS ' <<<"$COMMANDS_SECTION" | cut -c5-)

missing=''
for c in "${CMDS[@]}"; do
  printf '%s\n' "${PAGE_CMDS[@]}" | grep -qx -- "$c" || missing+="$c "
done
none "alpr.1: COMMANDS has a subsection for each of the ${#CMDS[@]} commands of alpr --help" missing "$missing"
extra=''
for c in "${PAGE_CMDS[@]}"; do
  printf '%s\n' "${CMDS[@]}" | grep -qx -- "$c" || extra+="$c "
done
none "alpr.1: COMMANDS documents no command alpr --help lacks" extra "$extra"

# Global options: what `alpr --help` prints before its command list.
GLOBAL_HELP=$(sed -n '/^Options/,/^Commands:/p' <<<"$MAIN_HELP")
options_match alpr.1 "alpr --help (global)" "$GLOBAL_HELP" "$(section "$PAGE" OPTIONS)"

# Every command also takes -h/--help; the page says so once, at the top of COMMANDS.
e2e_check "alpr.1: COMMANDS says every command takes --help" \
  has_word "$(sed '/^\.SS /q' <<<"$COMMANDS_SECTION")" --help

# Each command: its actions and options, in its own subsection.
for c in "${CMDS[@]}"; do
  help=$("$ALPR" "$c" --help 2>&1)
  rc=$?
  if ((rc != 0)); then
    e2e_bad "alpr $c --help" "exit $rc"
    continue
  fi
  mapfile -t acts < <(actions_of "$c" "$help")
  all_help=$help
  for a in "${acts[@]}"; do
    all_help+=$'\n'$("$ALPR" "$c" "$a" --help 2>&1)
  done
  sub=$(subsection "$PAGE" "$c")
  mapfile -t opts < <(long_opts <<<"$all_help" | grep -vx -- --help)
  missing=$(missing_words "$sub" "${acts[@]}" "${opts[@]}")
  none "alpr.1: $c: documents what its --help lists (actions: ${#acts[@]}, options: ${#opts[@]})" missing "$missing"
  extra=''
  for o in $(heads "$sub" | long_opts); do
    has_word "$all_help" "$o" || extra+="$o "
  done
  none "alpr.1: $c: documents no option its --help lacks" extra "$extra"
done

mapfile -t codes < <(exit_codes "$MAIN_HELP")
missing=$(missing_words "$(heads "$(section "$PAGE" "EXIT STATUS")")" "${codes[@]}")
((${#codes[@]})) || missing='(alpr --help gives no exit codes: format changed?)'
none "alpr.1: EXIT STATUS documents the codes of alpr --help (${codes[*]})" missing "$missing"

# ---- Environment ----------------------------------------------------------------------------------

# What host/ reads: getenv() names, and the ALPR_* names passed to getenv through a helper
# (the password variables). ALPR_NOW, the clock of the tests, is not a user feature.
ROOT=$E2E_ROOT
env_of() {
  { grep -ohE 'getenv\("[A-Z_]+"\)' "$@" | grep -oE '[A-Z_]{2,}'
    grep -ohE '"ALPR_[A-Z_]+"' "$@" | tr -d '"'; } | grep -vx ALPR_NOW | sort -u
}
ENV_DOCS=$(heads "$(section "$PAGE" ENVIRONMENT)")$'\n'$(heads "$(section "${TEXT[alprd.8]}" ENVIRONMENT)")$'\n'$(heads "$(section "${TEXT[alpr-stored.8]}" ENVIRONMENT)")
mapfile -t vars < <(env_of "$ROOT"/host/*.c)
missing=$(missing_words "$ENV_DOCS" "${vars[@]}")
((${#vars[@]})) || missing='(no getenv found in host/*.c)'
none "alpr.1, alprd.8, alpr-stored.8: ENVIRONMENT lists the ${#vars[@]} variables host/ reads" missing "$missing"
mapfile -t vars < <(env_of "$ROOT"/host/alprd*.c)
missing=$(missing_words "$(heads "$(section "${TEXT[alprd.8]}" ENVIRONMENT)")" "${vars[@]}")
none "alprd.8: ENVIRONMENT lists what alprd reads" missing "$missing"
e2e_check "no page mentions ALPR_NOW (the tests' clock)" \
  test -z "$(grep -l ALPR_NOW "$MAN_DIR"/alpr.1 "$MAN_DIR"/alprd.8 "$MAN_DIR"/alprd.conf.5 "$MAN_DIR"/alpr-stored.8)"

# ---- alprd(8) -----------------------------------------------------------------------------------

if [[ ! -x $ALPRD ]]; then
  e2e_skipped "alprd.8, alprd.conf.5 against alprd" "$ALPRD not built"
  e2e_finish
  exit
fi
DHELP=$("$ALPRD" --help)
DPAGE=${TEXT[alprd.8]}
options_match alprd.8 "alprd --help" "$DHELP" "$(section "$DPAGE" OPTIONS)"
mapfile -t sigs < <(grep -oE 'SIG[A-Z0-9]+' <<<"$DHELP" | sort -u)
missing=$(missing_words "$(heads "$(section "$DPAGE" SIGNALS)")" "${sigs[@]}")
((${#sigs[@]})) || missing='(alprd --help names no signal: format changed?)'
none "alprd.8: SIGNALS documents the signals of alprd --help (${sigs[*]})" missing "$missing"
mapfile -t codes < <(exit_codes "$DHELP")
missing=$(missing_words "$(heads "$(section "$DPAGE" "EXIT STATUS")")" "${codes[@]}")
((${#codes[@]})) || missing='(alprd --help gives no exit codes: format changed?)'
none "alprd.8: EXIT STATUS documents the codes of alprd --help (${codes[*]})" missing "$missing"

# ---- alprd.conf(5) --------------------------------------------------------------------------------

# Which keys alprd accepts is asked of alprd itself: a key with a value too long for any kind
# (text values are at most 255 bytes) is refused as "bad value for 'KEY'" when alprd knows the
# key and as "unknown key 'KEY'" when it does not, before alprd calls the store or looks for a
# board. The candidates are the union of the parser's key table (host/daemon_config.c, the
# source of the binary: a new key shows up there), docs/alprd.conf.example and the page itself,
# so a key added to the parser but not documented, or documented but no longer accepted, fails.
LONG_VALUE=$(printf 'x%.0s' {1..300})
key_known() {
  printf '%s = %s\n' "$1" "$LONG_VALUE" >"$WORK/probe.conf"
  local err
  err=$(timeout 20 "$ALPRD" --config "$WORK/probe.conf" --store-socket "$WORK/probe.sock" \
    --sim-frames "$WORK/no-frames" 2>&1 >/dev/null)
  [[ $err == *"bad value for '$1'"* ]] && return 0
  [[ $err == *"unknown key '$1'"* ]] && return 1
  echo "probe of '$1': unexpected answer: ${err:0:200}" >&2
  return 2
}
key_known no_such_key_x
e2e_check "alprd refuses an unknown configuration key (so the probe below means something)" \
  test $? -eq 1

CPAGE=${TEXT[alprd.conf.5]}
mapfile -t page_keys < <(heads "$CPAGE" | grep -oE '(^|, )[a-z][a-z0-9_]* = ' |
  grep -oE '[a-z][a-z0-9_]*' | sort -u)
mapfile -t example_keys < <(section "$CPAGE" EXAMPLE | grep -oE '^[a-z][a-z0-9_]* =' | cut -d' ' -f1)
mapfile -t source_keys < <(grep -oE '^ *\{"[a-z][a-z0-9_]*", K_[A-Z]+' "$ROOT/host/daemon_config.c" |
  grep -oE '"[a-z0-9_]+"' | tr -d '"')
mapfile -t doc_keys < <(sed -E 's/^#[[:space:]]*//' "$ROOT/docs/alprd.conf.example" |
  grep -oE '^[a-z][a-z0-9_]* *=' | grep -oE '^[a-z][a-z0-9_]*')
e2e_check "host/daemon_config.c: the key table is found (${#source_keys[@]} keys)" \
  test "${#source_keys[@]}" -ge 10

declare -A known
unknown=''
for k in $(printf '%s\n' "${page_keys[@]}" "${example_keys[@]}" "${source_keys[@]}" "${doc_keys[@]}" |
  sort -u); do
  key_known "$k"
  case $? in
    0) known[$k]=1 ;;
    1) unknown+="$k " ;;
    *) unknown+="$k(?) " ;;
  esac
done
none "alprd accepts every key of alprd.conf.5, its EXAMPLE, docs/alprd.conf.example and the parser" refused "$unknown"
missing=''
for k in "${!known[@]}"; do
  printf '%s\n' "${page_keys[@]}" | grep -qx -- "$k" || missing+="$k "
done
((${#known[@]})) || missing='(alprd accepted no key at all)'
none "alprd.conf.5: documents all ${#known[@]} keys alprd accepts" missing "$missing"

# ---- alpr-simboard(1) ------------------------------------------------------------------------------

if [[ ! -x $SIMBOARD || -z ${TEXT[alpr-simboard.1]:-} ]]; then
  e2e_skipped "alpr-simboard.1 against alpr-simboard" "$SIMBOARD or its page not built"
else
  SHELP=$("$SIMBOARD" --help)
  SPAGE=${TEXT[alpr-simboard.1]}
  options_match alpr-simboard.1 "alpr-simboard --help" "$SHELP" "$(section "$SPAGE" OPTIONS)"
  mapfile -t sigs < <(grep -oE 'SIG[A-Z0-9]+' "$ROOT/sim/usbboard/main.c" | sort -u)
  missing=$(missing_words "$(heads "$(section "$SPAGE" SIGNALS)")" "${sigs[@]}")
  none "alpr-simboard.1: SIGNALS documents the signals it handles (${sigs[*]})" missing "$missing"
fi

e2e_finish
