/*
 * The provider table: one row per payment provider, the only place that
 * names the implementations.  The interface is lib/provider.h; each row
 * is a provider module's struct provider_ops (lib/swish.c, lib/stripe.c,
 * lib/mpesa.c, and free as it comes), so that provider depends on nothing
 * and every provider depends on it, never the reverse.
 */
#include <stddef.h>
#include <string.h>

#include "mpesa.h"
#include "provider.h"
#include "stripe.h"
#include "swish.h"

static const struct provider_ops *const table[] = {
	[PROVIDER_SWISH] = &swish_ops,
	[PROVIDER_STRIPE] = &stripe_ops,
	[PROVIDER_MPESA] = &mpesa_ops,
};

_Static_assert(sizeof(table) / sizeof(table[0]) == PROVIDER__MAX,
    "provider table out of sync with enum pay_provider");

const struct provider_ops *
provider_ops(enum pay_provider id)
{
	return id < PROVIDER__MAX ? table[id] : NULL;
}

const char *
provider_name(enum pay_provider id)
{
	return id < PROVIDER__MAX ? table[id]->name : "";
}

enum pay_provider
provider_parse(const char *name)
{
	int	 i;

	for (i = 0; i < PROVIDER__MAX; i++)
		if (name != NULL && strcmp(name, table[i]->name) == 0)
			return (enum pay_provider)i;
	return PROVIDER__MAX;
}
