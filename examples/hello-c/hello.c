#include <stdio.h>
#include <string.h>

int greet(const char *name, char *out, size_t size) {
  return snprintf(out, size, "hello, %s", name);
}

#ifndef TESTING
int main(int argc, char **argv) {
  char buf[128];
  greet(argc > 1 ? argv[1] : "world", buf, sizeof buf);
  puts(buf);
  return 0;
}
#endif
