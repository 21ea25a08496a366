/* YAML helpers shared by the conformance suite drivers (libyaml). */
#ifndef VOUCH_TESTS_CHECK_YAML_H
#define VOUCH_TESTS_CHECK_YAML_H

#include <string.h>
#include <yaml.h>

/* The value of key in mapping m, or NULL. */
static inline yaml_node_t *
map_get(yaml_document_t *d, yaml_node_t *m, const char *key)
{
	yaml_node_pair_t *p;

	if (m == NULL || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	    p++) {
		yaml_node_t *k = yaml_document_get_node(d, p->key);

		if (k->type == YAML_SCALAR_NODE &&
		    strcmp((char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(d, p->value);
	}
	return NULL;
}

/* A scalar's text, or NULL. */
static inline const char *
scalar(yaml_node_t *n)
{
	return n != NULL && n->type == YAML_SCALAR_NODE ?
	    (const char *)n->data.scalar.value : NULL;
}

#endif
