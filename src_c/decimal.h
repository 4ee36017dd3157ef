/*
 * decimal.h - decimal.c's helpers for the other files of src_c/ (the
 * public cembed_parse_double and cembed_format_f32 are in cembed.h).
 */
#ifndef CEMBED_DECIMAL_H
#define CEMBED_DECIMAL_H

#define CEMBED_IS_DIGIT(c) ((unsigned)((c) - '0') < 10u)

/* Parse the number that starts at s (Python's float() grammar, without
 * underscores); returns the end of it, or NULL if s does not start with
 * one. What follows the number is the caller's business (a field must end
 * there). */
const char *cembed_parse_prefix(const char *s, const char *end, double *out);

#endif /* CEMBED_DECIMAL_H */
