package process

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// idNumberLength is the length of the second-generation 公民身份号码
// (GB 11643-1999). The older 15-digit numbers are no longer valid ID and are
// refused.
const idNumberLength = 18

// idWeights are the GB 11643 weights of the first 17 digits (2^(17-i) mod 11).
var idWeights = [idNumberLength - 1]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheckChars maps the weighted sum mod 11 to the check character.
const idCheckChars = "10X98765432"

// Birth dates outside this range are typing mistakes, not people. The bounds
// are fixed rather than "today" so the result never depends on the clock.
const (
	idFirstBirthYear = 1900
	idLastBirthYear  = 2100
)

// errIDCheck is returned when every part is well formed but the check
// character does not match. The message deliberately does not name the
// expected character: the usual cause is a mistyped digit elsewhere, and
// telling people which check character would fit invites them to "fix" the
// wrong character and store a valid-looking but wrong number.
var errIDCheck = errors.New("check character does not match; a digit is probably mistyped")

// ValidIDNumber checks an 18-character 公民身份号码: 17 digits and a check
// character (a digit or X, lowercase x accepted), a real birth date in
// characters 7–14, and the GB 11643 check. The error says which part is wrong
// and never repeats the number, so it is safe to log or return to a form.
// The first six digits (the region of first registration) are not checked
// against the division-code list: codes are retired and reused over decades.
func ValidIDNumber(s string) error {
	if n := utf8.RuneCountInString(s); n != idNumberLength {
		return fmt.Errorf("must be %d characters, got %d", idNumberLength, n)
	}
	sum := 0
	for i := 0; i < idNumberLength-1; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return fmt.Errorf("character %d must be a digit", i+1)
		}
		sum += int(c-'0') * idWeights[i]
	}
	last := s[idNumberLength-1]
	if last == 'x' {
		last = 'X'
	}
	if (last < '0' || last > '9') && last != 'X' {
		return fmt.Errorf("character %d must be a digit or X", idNumberLength)
	}
	if err := validBirthDate(s[6:14]); err != nil {
		return err
	}
	if idCheckChars[sum%11] != last {
		return errIDCheck
	}
	return nil
}

// validBirthDate checks the YYYYMMDD part of an ID number, already known to
// be eight digits. It uses no time package: only the calendar matters here.
func validBirthDate(d string) error {
	year := atoiDigits(d[0:4])
	month := atoiDigits(d[4:6])
	day := atoiDigits(d[6:8])
	if year < idFirstBirthYear || year > idLastBirthYear {
		return fmt.Errorf("birth year (characters 7–10) must be between %d and %d", idFirstBirthYear, idLastBirthYear)
	}
	if month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) {
		return errors.New("birth date (characters 7–14) is not a real date")
	}
	return nil
}

// atoiDigits converts a string known to hold only ASCII digits.
func atoiDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// daysInMonth uses the Gregorian leap-year rule (1900 is not a leap year,
// 2000 is).
func daysInMonth(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	default:
		return 31
	}
}

// MaskIDNumber shows the first 6 (region) and last 4 characters and stars the
// rest, birth date included: enough for an official to tell two members apart
// on a screen, not enough to impersonate anyone. Input that is too short to
// keep anything hidden is starred completely.
func MaskIDNumber(s string) string {
	return maskMiddle(s, 6, 4)
}

// MaskPhone shows the first 3 and last 4 digits of a mobile number
// (139****1111); for a landline it keeps the area code and the last 4 digits
// (0736-***4567), since the area code only names the county.
func MaskPhone(s string) string {
	if area, local, ok := strings.Cut(s, "-"); ok {
		return area + "-" + maskMiddle(local, 0, 4)
	}
	return maskMiddle(s, 3, 4)
}

// MaskBankAccount shows only the last 4 digits, as bank statements do.
func MaskBankAccount(s string) string {
	return maskMiddle(s, 0, 4)
}

// maskMiddle keeps head runes at the start and tail runes at the end and
// replaces every other rune with '*', so the masked text keeps the rune
// count. When fewer than head+tail+1 runes exist nothing could stay hidden,
// so everything is starred.
func maskMiddle(s string, head, tail int) string {
	runes := []rune(s)
	n := len(runes)
	if n <= head+tail {
		head, tail = 0, 0
	}
	for i := head; i < n-tail; i++ {
		runes[i] = '*'
	}
	return string(runes)
}

// Masked returns a copy fit for screens of people who need the case but not
// the identifiers: ID numbers, phone and bank account are masked. The members
// are copied, so the original stays intact.
func (h Household) Masked() Household {
	h.Phone = MaskPhone(h.Phone)
	h.BankAccount = MaskBankAccount(h.BankAccount)
	members := make([]Member, len(h.Members))
	for i, m := range h.Members {
		m.IDNumber = MaskIDNumber(m.IDNumber)
		members[i] = m
	}
	if h.Members == nil {
		members = nil
	}
	h.Members = members
	return h
}
