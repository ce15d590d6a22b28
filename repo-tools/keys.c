/*
 * pkg-repo keygen | sign | verify: thin wrappers over fetch's usign.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "fetch.h"
#include "repo.h"

/* Parse "-o/-k/-c" style options: letters in optstring, values into vals
 * (index = position of the letter in "okc"). Returns the index of the
 * first positional argument or -PKGE_USAGE. */
static int key_opts(int argc, char **argv, const char *optstring,
		    const char *vals[3])
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "key", required_argument, NULL, 'k' },
		{ "comment", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	const char *letters = "okc";
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		const char *p = strchr(letters, c);

		if (!p || !strchr(optstring, c))
			return -PKGE_USAGE;
		vals[p - letters] = optarg;
	}
	return optind;
}

static int key_id_of(const char *path, int sig, char hex[17])
{
	struct usign_pubkey k;
	struct usign_sig s;
	char *text = NULL;
	size_t len = 0;
	int rc;

	rc = hostfs_read_file(path, 65536, &text, &len);
	if (rc == 0 && sig)
		rc = usign_parse_sig(text, len, &s);
	else if (rc == 0)
		rc = usign_parse_pubkey(text, len, &k);
	if (rc == 0)
		usign_keyid_hex(sig ? s.keyid : k.keyid, hex);
	free(text);
	return rc;
}

int repo_cmd_keygen(int argc, char **argv)
{
	const char *v[3] = { NULL, NULL, NULL };
	char *pub = NULL, id[17] = "";
	int i = key_opts(argc, argv, "o:c:", v);
	int rc;

	if (i < 0 || i != argc || !v[0])
		return -PKGE_USAGE;
	rc = usign_keygen(v[0], v[2]);
	if (rc < 0)
		return rc;
	if (asprintf(&pub, "%s.pub", v[0]) < 0)
		return -ENOMEM;
	if (key_id_of(pub, 0, id) == 0)
		printf("%s\n", id);
	fprintf(stderr, "wrote secret key '%s' and public key '%s' "
		"(key %s)\n", v[0], pub, id);
	free(pub);
	return 0;
}

int repo_cmd_sign(int argc, char **argv)
{
	const char *v[3] = { NULL, NULL, NULL };
	int i = key_opts(argc, argv, "k:", v);
	char *sig;
	int rc;

	if (i < 0 || i != argc - 1 || !v[1])
		return -PKGE_USAGE;
	if (asprintf(&sig, "%s.sig", argv[i]) < 0)
		return -ENOMEM;
	rc = usign_sign_file(argv[i], v[1], sig);
	free(sig);
	return rc;
}

int repo_cmd_verify(int argc, char **argv)
{
	const char *v[3] = { NULL, NULL, NULL };
	int i = key_opts(argc, argv, "k:", v);
	char *sig, id[17] = "?";
	int rc;

	if (i < 0 || i != argc - 1 || !v[1])
		return -PKGE_USAGE;
	if (asprintf(&sig, "%s.sig", argv[i]) < 0)
		return -ENOMEM;
	rc = usign_verify_file(argv[i], sig, v[1]);
	if (rc == 0) {
		key_id_of(sig, 1, id);
		printf("%s: signature OK (key %s)\n", argv[i], id);
	}
	free(sig);
	return rc;
}
