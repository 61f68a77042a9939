/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A Go object's connection, resolved once: a transport (grpc's http2Server,
 * loopyWriter; net/http's serverConn) holds one connection for life, and
 * walking from it to the socket each time (the net.Conn, its itab, the fd,
 * the fd table, the file, the socket, its addresses) is a dozen helper calls
 * per header block. The walk's result is kept here by (pid, tag, object
 * address), with the pointers a plugin reads from the object on the way
 * (aux, aux2) and whatever else it knows not to change for the object's
 * life (aux3).
 *
 * A Go object's address is reused once the garbage collector frees it, and
 * so is a socket's memory once closed, so an entry is used only while its
 * socket is still alive under the inode number read then (go_sock_is): a
 * transport is freed only after its conn is closed, and a closed socket has
 * no inode (sk_socket is cleared) or another one. Needs go_conn.h first.
 */
#ifndef __GOTRACE_GO_CONN_CACHE_H
#define __GOTRACE_GO_CONN_CACHE_H

struct go_conn_cache_key {
	__u32 pid;
	__u32 tag; /* the plugin's: which kind of object obj is */
	__u64 obj;
};

struct go_conn_cached {
	struct go_conn_view c;
	struct go_conn_addrs addrs;
	__u64 key;  /* the plugin's name for the connection (a net.Conn's data word, a *Framer) */
	__u64 aux;  /* the plugin's: pointers read from obj on the way */
	__u64 aux2;
	__u64 aux3; /* the plugin's: a value fixed for obj's life (grpc: its server transport's reader goroutine) */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct go_conn_cache_key);
	__type(value, struct go_conn_cached);
} go_conn_cache SEC(".maps");

/* Copies obj's entry into v when its socket is still the one it was; false
 * when there is none to trust: the caller walks, then go_conn_cache_put.
 */
static __always_inline bool go_conn_cache_load(__u32 pid, __u32 tag, __u64 obj, struct go_conn_cached *v)
{
	struct go_conn_cache_key k = { .pid = pid, .tag = tag, .obj = obj };
	const struct go_conn_cached *hit = bpf_map_lookup_elem(&go_conn_cache, &k);

	if (!hit || !go_sock_is(hit->c.sk, hit->c.ino))
		return false;
	*v = *hit;
	return true;
}

/* Keeps v for obj; only a walk that reached a socket is kept (nothing else
 * could be checked later).
 */
static __always_inline void go_conn_cache_put(__u32 pid, __u32 tag, __u64 obj, const struct go_conn_cached *v)
{
	struct go_conn_cache_key k = { .pid = pid, .tag = tag, .obj = obj };

	if (obj && v->c.sk && v->c.ino)
		bpf_map_update_elem(&go_conn_cache, &k, v, BPF_ANY);
}

#endif /* __GOTRACE_GO_CONN_CACHE_H */
