/*
 * libFuzzer target for the config file (config.h): the input, up to its
 * first 0 byte, is the text of "fuzz.conf", parsed with inih and checked
 * against the key table by config_load_string().
 *
 * What must hold: on success every string key is set and config_free()
 * frees all of it (the leak checker sees the rest); on failure the message
 * is one line that names the file ("fuzz.conf: ..." or "fuzz.conf:LINE: ...").
 * Zone names are looked up in /usr/share/zoneinfo.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.conf"

static void
check_config(const struct config *cfg)
{
	size_t i;

	if (cfg->path == NULL || strcmp(cfg->path, NAME) != 0)
		abort();
	if (cfg->listen == NULL || cfg->data_dir == NULL || cfg->data_dir[0] == '\0' ||
	    cfg->default_timezone == NULL || cfg->user_agent == NULL || cfg->tls_cert == NULL ||
	    cfg->tls_key == NULL || cfg->sendmail == NULL)
		abort();
	if ((cfg->tls_cert[0] == '\0') != (cfg->tls_key[0] == '\0'))
		abort();
	if (cfg->idle_timeout < 1 || cfg->idle_timeout > 3600 || cfg->map_size < 65536)
		abort();
	for (i = 0; i < cfg->ntask_classes; i++) {
		const struct config_task_class *tc = &cfg->task_classes[i];

		if (tc->name == NULL || tc->name[0] == '\0' || tc->exec == NULL ||
		    tc->exec[0] != '/' || tc->timeout < 1 || tc->user == NULL)
			abort();
		if (config_task_class(cfg, tc->name) != tc)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	char err[512];
	char *text;
	size_t len;

	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(err, 0, sizeof err);
	if (config_load_string(NAME, text, &cfg, err, sizeof err) == 0) {
		check_config(&cfg);
		config_free(&cfg);
	} else {
		len = strnlen(err, sizeof err);
		if (len == sizeof err || len <= strlen(NAME ": ") ||
		    strncmp(err, NAME ":", strlen(NAME ":")) != 0 || strchr(err, '\n') != NULL)
			abort();
	}
	free(text);
	return 0;
}
