/* template_end.h - undo template.h, at the end of a per-type header. */
#undef FN
#undef CEMBED_CAT
#undef CEMBED_CAT_
