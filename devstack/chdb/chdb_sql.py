"""Runs SQL on the current ClickHouse engine embedded in libchdb.so, for the project's compatibility tests.

Usage: python3 chdb_sql.py LIBCHDB_SO DATA_DIR
Reads one JSON object per line on stdin, {"sql": "..."}, and answers each with one line on stdout,
{"error": null or "message", "output": "text the query returned"}. Queries choose their own FORMAT.
The session keeps its state (current database, tables) in DATA_DIR until stdin closes.
"""
import ctypes
import json
import sys


def load(path):
    lib = ctypes.CDLL(path)
    lib.chdb_connect.restype = ctypes.c_void_p
    lib.chdb_connect.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_char_p)]
    lib.chdb_query.restype = ctypes.c_void_p
    lib.chdb_query.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
    lib.chdb_result_buffer.restype = ctypes.c_void_p
    lib.chdb_result_buffer.argtypes = [ctypes.c_void_p]
    lib.chdb_result_length.restype = ctypes.c_size_t
    lib.chdb_result_length.argtypes = [ctypes.c_void_p]
    lib.chdb_result_error.restype = ctypes.c_char_p
    lib.chdb_result_error.argtypes = [ctypes.c_void_p]
    lib.chdb_destroy_query_result.argtypes = [ctypes.c_void_p]
    lib.chdb_close_conn.argtypes = [ctypes.c_void_p]
    return lib


def main():
    lib = load(sys.argv[1])
    args = (ctypes.c_char_p * 2)(b"clickhouse", ("--path=" + sys.argv[2]).encode())
    handle = lib.chdb_connect(2, args)
    if not handle:
        sys.exit("chdb_connect failed")
    # chdb_connect returns a pointer to the connection the queries take.
    connection = ctypes.cast(handle, ctypes.POINTER(ctypes.c_void_p))[0]
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            sql = json.loads(line)["sql"]
            result = lib.chdb_query(connection, sql.encode("utf-8"), b"TabSeparated")
            if not result:
                answer = {"error": "chdb_query returned nothing", "output": ""}
            else:
                error = lib.chdb_result_error(result)
                length = lib.chdb_result_length(result)
                output = ctypes.string_at(lib.chdb_result_buffer(result), length) if length else b""
                answer = {"error": error.decode("utf-8", "replace") if error else None,
                          "output": output.decode("utf-8", "replace")}
                lib.chdb_destroy_query_result(result)
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()
    finally:
        lib.chdb_close_conn(handle)


if __name__ == "__main__":
    main()
