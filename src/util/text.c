/*
 * text: checks of short texts from clients.
 */

#include "util/text.h"

int
text_has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return 1;
	return 0;
}
