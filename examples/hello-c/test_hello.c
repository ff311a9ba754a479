#define TESTING
#include "hello.c"
#include <assert.h>

int main(void) {
  char buf[128];
  greet("conveyor", buf, sizeof buf);
  assert(strcmp(buf, "hello, conveyor") == 0);
  puts("1 passed, 0 failed");
  return 0;
}
