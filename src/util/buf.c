/* Growable NUL-terminated byte buffer (see kbaudit/buf.h). */
#include "kbaudit/buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kb_buf_reserve(kb_buf *b, size_t extra)
{
    if (extra > SIZE_MAX - b->len - 1)
        return -1;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->data, cap);
    if (p == NULL)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int kb_buf_append(kb_buf *b, const void *p, size_t n)
{
    if (kb_buf_reserve(b, n) != 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int kb_buf_putc(kb_buf *b, char c)
{
    if (b->len + 1 >= b->cap && kb_buf_reserve(b, 1) != 0)
        return -1;
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
    return 0;
}

int kb_buf_puts(kb_buf *b, const char *s)
{
    return kb_buf_append(b, s, strlen(s));
}

int kb_buf_printf(kb_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || kb_buf_reserve(b, (size_t)n) != 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

void kb_buf_reset(kb_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void kb_buf_free(kb_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

char *kb_strndup(const char *s, size_t n)
{
    size_t len = 0;
    while (len < n && s[len] != '\0')
        len++;
    char *d = malloc(len + 1);
    if (d) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

int kb_array_room(void **v, size_t n, size_t size)
{
    if (n & (n - 1))   /* not 0 and not a power of two: the capacity is above n */
        return 0;
    size_t cap = n ? 2 * n : 1;
    if (n > SIZE_MAX / 2 || cap > SIZE_MAX / size)
        return -1;
    void *p = realloc(*v, cap * size);
    if (p == NULL)
        return -1;
    *v = p;
    return 0;
}
