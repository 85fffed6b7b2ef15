#!/usr/bin/python3
"""pyregf_walk -- the python3-libregf peer of the export benchmark.

Usage: /usr/bin/python3 bench/pyregf_walk.py HIVE

Visits every key of HIVE depth-first (an explicit stack, not recursion) and reads each
key's name and each value's name, type and data through libregf (Debian python3-libregf,
module `pyregf`). It writes one summary line (keys, values, data bytes) and nothing else:
it measures what libregf costs to reach everything an export has to print, not the cost
of formatting text in Python.
"""

import sys

import pyregf


def walk(path):
    f = pyregf.file()
    f.open(path)
    keys = values = data_bytes = 0
    stack = [f.get_root_key()]
    while stack:
        key = stack.pop()
        keys += 1
        key.get_name()
        for i in range(key.get_number_of_values()):
            v = key.get_value(i)
            v.get_name()
            v.get_type()
            d = v.get_data()
            values += 1
            data_bytes += len(d) if d else 0
        n = key.get_number_of_sub_keys()
        # pushed in reverse so that keys are visited in subkey-list order
        for i in range(n - 1, -1, -1):
            stack.append(key.get_sub_key(i))
    f.close()
    return keys, values, data_bytes


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: pyregf_walk.py HIVE\n")
        return 2
    keys, values, data_bytes = walk(sys.argv[1])
    print("%d keys, %d values, %d data bytes" % (keys, values, data_bytes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
