/* placeholder */ typedef int hooks_placeholder_t;
