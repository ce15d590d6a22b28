/* placeholder */ typedef int fetch_placeholder_t;
