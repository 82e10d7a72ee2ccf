/* jbox-helper entry point (placeholder until the stages land). */
#include <stdio.h>
int main(int argc, char **argv) { fprintf(stderr, "jbox-helper: not built yet\n"); return 125; }
