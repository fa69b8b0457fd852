package web

import "github.com/boxoffice/boxoffice/internal/apperr"

var errBadLocation = apperr.E(apperr.Invalid, "we could not read that location; try typing a city instead")

func errUnknownCity(city string) error {
	return apperr.E(apperr.Invalid, "we couldn't find a city called %q; check the spelling, or add its state or country, as in \"Springfield, IL\"", city)
}
