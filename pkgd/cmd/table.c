/*
 * The command table: a new command is one file (cmd/<name>.c, its
 * descriptor declared in cmd.h) and one row here. Underscore spellings
 * (list_installed) are accepted by cmd_find.
 */
#include <string.h>

#include "cmd/cmd.h"

const struct pkg_cmd *const pkg_commands[] = {
	&cmd_update_desc, &cmd_install_desc, &cmd_remove_desc,
	&cmd_upgrade_desc, &cmd_list_desc, &cmd_list_installed_desc,
	&cmd_list_upgradable_desc, &cmd_list_changed_conffiles_desc,
	&cmd_info_desc, &cmd_status_desc,
	&cmd_files_desc, &cmd_search_desc, &cmd_find_desc, &cmd_depends_desc,
	&cmd_whatdepends_desc, &cmd_whatconflicts_desc,
	&cmd_whatprovides_desc, &cmd_download_desc, &cmd_flag_desc,
	&cmd_whatdependsrec_desc, &cmd_whatrecommends_desc,
	&cmd_whatsuggests_desc, &cmd_whatreplaces_desc, &cmd_dist_upgrade_desc,
	&cmd_configure_desc, &cmd_clean_desc, &cmd_verify_desc,
	&cmd_compare_versions_desc, &cmd_print_architecture_desc,
	&cmd_reclaim_desc, &cmd_reset_desc, &cmd_audit_desc,
	&cmd_image_manifest_desc, &cmd_recover_desc, &cmd_backup_desc,
	&cmd_post_upgrade_desc,
	&cmd_export_desc, &cmd_help_desc, NULL
};


const struct pkg_cmd *cmd_find(const char *name)
{
	char norm[64];
	size_t i;

	snprintf(norm, sizeof(norm), "%s", name);
	for (i = 0; norm[i]; i++)
		if (norm[i] == '_')
			norm[i] = '-';
	if (!strcmp(norm, "print-installation-architecture"))
		snprintf(norm, sizeof(norm), "print-architecture");
	for (i = 0; pkg_commands[i]; i++)
		if (!strcmp(pkg_commands[i]->name, norm))
			return pkg_commands[i];
	return NULL;
}
