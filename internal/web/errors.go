package web

import "github.com/boxoffice/boxoffice/internal/apperr"

var errBadLocation = apperr.E(apperr.Invalid, "we could not read that location; try typing a city instead")

func errUnknownCity(city string) error {
	return apperr.E(apperr.Invalid, "we don't know any venue in %q yet; try another city", city)
}
