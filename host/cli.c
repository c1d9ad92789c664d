#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "alpr %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_parse_format(const char *word, enum cli_format *out)
{
    if (strcmp(word, "text") == 0)
        *out = CLI_FORMAT_TEXT;
    else if (strcmp(word, "json") == 0)
        *out = CLI_FORMAT_JSON;
    else if (strcmp(word, "csv") == 0)
        *out = CLI_FORMAT_CSV;
    else
        return -1;
    return 0;
}

int cli_parse_long(const char *text, long min, long max, long *out)
{
    char *end;
    long v;
    if (!text || !*text)
        return -1;
    errno = 0;
    v = strtol(text, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

void cli_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

void cli_csv_field(FILE *f, const char *s)
{
    if (!s)
        s = "";
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

int cli_take_action(int *argc, char ***argv, void (*usage)(FILE *), const char **action)
{
    if (*argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp((*argv)[1], "--help") == 0 || strcmp((*argv)[1], "-h") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    *action = (*argv)[1];
    (*argc)--;
    (*argv)++;
    return -1;
}
