/*
 * priv: setgroups, setresgid, setresuid, then make sure they held.
 */

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include "util/log.h"
#include "daemon/priv.h"

int
priv_drop(const char *user)
{
	struct passwd *pw;
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		if (errno)
			log_warn("user %s", user);
		else
			log_warnx("user %s: no such user", user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		log_warnx("user %s: is root; name an unprivileged user", user);
		return -1;
	}
	if (setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		log_warn("dropping privileges to %s", user);
		return -1;
	}
	if (getresuid(&ruid, &euid, &suid) == -1 || getresgid(&rgid, &egid, &sgid) == -1 ||
	    ruid != pw->pw_uid || euid != pw->pw_uid || suid != pw->pw_uid ||
	    rgid != pw->pw_gid || egid != pw->pw_gid || sgid != pw->pw_gid ||
	    setuid(0) != -1) {
		log_warnx("dropping privileges to %s did not hold", user);
		return -1;
	}
	log_info("running as %s (uid %d)", user, (int)pw->pw_uid);
	return 0;
}
