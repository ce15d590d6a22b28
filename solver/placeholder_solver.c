/* placeholder */ typedef int solver_placeholder_t;
