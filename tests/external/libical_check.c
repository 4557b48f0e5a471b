/* Parses an iCalendar file with libical, the library behind Evolution and many other clients,
 * and reports what it makes of it: one line per VEVENT ("UID<TAB>SUMMARY"), and every
 * X-LIC-ERROR property libical attaches where it cannot read something. Exit status: 0 when
 * libical found no error, 1 when it did, 2 when the file cannot be read. */
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    if (!text || fread(text, 1, (size_t)size, f) != (size_t)size) {
        fclose(f);
        free(text);
        return NULL;
    }
    text[size] = '\0';
    fclose(f);
    return text;
}

static int count_errors(icalcomponent *c) {
    int errors = 0;
    for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY); p;
         p = icalcomponent_get_next_property(c, ICAL_XLICERROR_PROPERTY)) {
        fprintf(stderr, "X-LIC-ERROR: %s\n", icalproperty_get_xlicerror(p));
        errors++;
    }
    for (icalcomponent *child = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); child;
         child = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT)) {
        errors += count_errors(child);
    }
    return errors;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: libical_check FILE.ics\n");
        return 2;
    }
    char *text = read_file(argv[1]);
    if (!text) {
        perror(argv[1]);
        return 2;
    }
    icalcomponent *calendar = icalparser_parse_string(text);
    free(text);
    if (!calendar || icalcomponent_isa(calendar) != ICAL_VCALENDAR_COMPONENT) {
        fprintf(stderr, "libical did not find a VCALENDAR\n");
        return 1;
    }
    /* Ask libical to check the calendar against RFC 5545's property rules as well. */
    icalrestriction_check(calendar);
    int errors = count_errors(calendar);
    for (icalcomponent *e = icalcomponent_get_first_component(calendar, ICAL_VEVENT_COMPONENT); e;
         e = icalcomponent_get_next_component(calendar, ICAL_VEVENT_COMPONENT)) {
        const char *uid = icalcomponent_get_uid(e);
        const char *summary = icalcomponent_get_summary(e);
        printf("%s\t%s\n", uid ? uid : "", summary ? summary : "");
    }
    icalcomponent_free(calendar);
    return errors ? 1 : 0;
}
