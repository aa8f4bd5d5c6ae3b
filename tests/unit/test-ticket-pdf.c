/* lib/ticketpdf: tickets render one page each in both layouts, the
 * same bytes every time; names in any European letters; the layout
 * names and the download's file name.  TICKET_PDF_OUT=prefix keeps
 * prefix-a4.pdf and prefix-ticket.pdf for a look with pdftotext and
 * zbarimg (tests/api/test_ticketpdf.py does that over the real stack). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ticketpdf.h"

#define FONT	"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define BOLD	"/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

static void
sample(struct ticketpdf_ticket *t, int seated)
{
	memset(t, 0, sizeof(*t));
	t->id = 42;
	snprintf(t->code, sizeof(t->code), "ABCDEF");
	/* As long as a signed code, in its alphabet. */
	memcpy(t->qr, "BJ1:", 4);
	memset(t->qr + 4, 'Q', TICKETSIG_B32_LEN);
	t->qr[TICKETSIG_TEXT_LEN] = '\0';
	snprintf(t->event, sizeof(t->event), "Straße der Lieder – été på "
	    "Åsa");
	t->event_at = 1798000000;
	t->doors_at = t->event_at - 3600;
	snprintf(t->venue, sizeof(t->venue), "Aulan");
	snprintf(t->address, sizeof(t->address), "Götgatan 1");
	snprintf(t->city, sizeof(t->city), "Malmö");
	snprintf(t->kind, sizeof(t->kind), "Ordinarie - Guld - Fredag");
	if (seated) {
		snprintf(t->section, sizeof(t->section), "Parkett");
		snprintf(t->row, sizeof(t->row), "3");
		snprintf(t->seat, sizeof(t->seat), "12");
	}
	snprintf(t->attendee, sizeof(t->attendee), "Renée Åström");
	snprintf(t->order_number, sizeof(t->order_number),
	    "OE-20261130-0001");
}

/* How many pages: libhpdf writes each page object's /Type plainly. */
static int
pages(const unsigned char *pdf, size_t len)
{
	const char	*needle = "/Type /Page\n";
	size_t		 i, n = strlen(needle);
	int		 count = 0;

	for (i = 0; i + n <= len; i++)
		if (memcmp(pdf + i, needle, n) == 0)
			count++;
	return count;
}

static void
keep(const char *prefix, const char *layout, const unsigned char *pdf,
    size_t len)
{
	char	 path[1024];
	FILE	*f;

	if (prefix == NULL)
		return;
	snprintf(path, sizeof(path), "%s-%s.pdf", prefix, layout);
	if ((f = fopen(path, "wb")) != NULL) {
		fwrite(pdf, 1, len, f);
		fclose(f);
	}
}

int
main(void)
{
	struct ticketpdf_ticket	 t[3];
	struct ticketpdf_set	 set;
	unsigned char		*a = NULL, *b = NULL;
	size_t			 alen = 0, blen = 0;
	char			 name[64];
	int			 l;

	sample(&t[0], 1);
	sample(&t[1], 0);
	t[1].state = TP_USED;
	t[1].qr[0] = '\0';
	sample(&t[2], 0);
	t[2].state = TP_CANCELLED;

	CHECK(ticketpdf_layout_parse("a4") == TICKETPDF_A4);
	CHECK(ticketpdf_layout_parse("ticket") == TICKETPDF_TICKET);
	CHECK(ticketpdf_layout_parse("A5") == TICKETPDF__MAX);
	CHECK(ticketpdf_layout_parse("") == TICKETPDF__MAX);

	for (l = 0; l < TICKETPDF__MAX; l++) {
		CHECK(ticketpdf_render(t, 3, (enum ticketpdf_layout)l, LANG_SV,
		    FONT, BOLD, &a, &alen) == 0);
		CHECK(a != NULL && alen > 1000 && memcmp(a, "%PDF-", 5) == 0);
		CHECK(a != NULL && pages(a, alen) == 3);
		CHECK(ticketpdf_render(t, 3, (enum ticketpdf_layout)l, LANG_SV,
		    FONT, BOLD, &b, &blen) == 0);
		CHECK(b != NULL && alen == blen && memcmp(a, b, alen) == 0);
		if (a != NULL)
			keep(getenv("TICKET_PDF_OUT"), l == TICKETPDF_A4 ?
			    "a4" : "ticket", a, alen);
		free(a);
		free(b);
		a = b = NULL;
	}

	/* Nothing to draw, a layout that is not one, a missing font. */
	CHECK(ticketpdf_render(t, 0, TICKETPDF_A4, LANG_EN, FONT, BOLD, &a,
	    &alen) == -1 && a == NULL);
	CHECK(ticketpdf_render(t, 1, TICKETPDF__MAX, LANG_EN, FONT, BOLD, &a,
	    &alen) == -1 && a == NULL);
	CHECK(ticketpdf_render(t, 1, TICKETPDF_A4, LANG_EN, "/nonexistent.ttf",
	    BOLD, &a, &alen) == -1 && a == NULL && alen == 0);

	/* File names: one ticket by its code, an order by its number
	 * with nothing a header could trip on. */
	set.t = t;
	set.n = 1;
	CHECK(ticketpdf_filename(&set, 0, name, sizeof(name)) == 0 &&
	    strcmp(name, "ticket-ABCDEF.pdf") == 0);
	CHECK(ticketpdf_filename(&set, 1, name, sizeof(name)) == 0 &&
	    strcmp(name, "tickets-OE-20261130-0001.pdf") == 0);
	snprintf(t[0].order_number, sizeof(t[0].order_number), "a\"b;c/d");
	CHECK(ticketpdf_filename(&set, 1, name, sizeof(name)) == 0 &&
	    strcmp(name, "tickets-abcd.pdf") == 0);
	CHECK(ticketpdf_filename(&set, 1, name, 8) == -1);
	set.n = 0;
	CHECK(ticketpdf_filename(&set, 0, name, sizeof(name)) == -1);
	return CHECK_DONE();
}
