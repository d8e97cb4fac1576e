/*
 * text: checks of short texts from clients.
 */
#ifndef WEBCRON_TEXT_H
#define WEBCRON_TEXT_H

/* 1 when S holds a control character (below 0x20, or 0x7f), else 0. */
int text_has_control(const char *s);

#endif
