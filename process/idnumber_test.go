package process

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// withCheck appends the GB 11643 check character to 17 digits. It derives
// the weights as 2^(18-i) mod 11 and solves Σ aᵢ·Wᵢ ≡ 1 (mod 11) for the
// check value, independently of the tables in idnumber.go, so the test checks
// those tables rather than restating them.
func withCheck(t testing.TB, first17 string) string {
	t.Helper()
	require.Len(t, first17, 17)
	sum := 0
	for i := 0; i < 17; i++ {
		weight := 1
		for j := 0; j < 17-i; j++ {
			weight = weight * 2 % 11
		}
		sum += int(first17[i]-'0') * weight
	}
	check := ((1-sum)%11 + 11) % 11
	if check == 10 {
		return first17 + "X"
	}
	return first17 + string(rune('0'+check))
}

// wrongCheck returns id with a check character that does not fit.
func wrongCheck(id string) string {
	if id[17] == '0' {
		return id[:17] + "1"
	}
	return id[:17] + "0"
}

func TestWithCheckMatchesStandardExample(t *testing.T) {
	// The worked example printed in GB 11643-1999.
	require.Equal(t, "11010519491231002X", withCheck(t, "11010519491231002"))
}

func TestValidIDNumber(t *testing.T) {
	for _, tc := range []struct {
		name, id, wantErr string
	}{
		{name: "standard example ending in X", id: "11010519491231002X"},
		{name: "lowercase x", id: "11010519491231002x"},
		{name: "computed digit check", id: withCheck(t, "43072119900101234")},
		{name: "computed X check", id: withCheck(t, "43072119900101123")},
		{name: "leap day 2000", id: withCheck(t, "43072120000229002")},
		{name: "first allowed day", id: withCheck(t, "43072119000101002")},
		{name: "last allowed day", id: withCheck(t, "43072121001231002")},
		{name: "bad check digit", id: wrongCheck(withCheck(t, "43072119900101234")),
			wantErr: "check character does not match; a digit is probably mistyped"},
		{name: "X where a digit fits", id: withCheck(t, "43072119900101234")[:17] + "X",
			wantErr: "check character does not match; a digit is probably mistyped"},
		{name: "February 30", id: withCheck(t, "43072119990230123"),
			wantErr: "birth date (characters 7–14) is not a real date"},
		{name: "February 29 of 1900", id: withCheck(t, "43072119000229123"),
			wantErr: "birth date (characters 7–14) is not a real date"},
		{name: "month 13", id: withCheck(t, "43072119901301123"),
			wantErr: "birth date (characters 7–14) is not a real date"},
		{name: "April 31", id: withCheck(t, "43072119900431123"),
			wantErr: "birth date (characters 7–14) is not a real date"},
		{name: "day 0", id: withCheck(t, "43072119900100123"),
			wantErr: "birth date (characters 7–14) is not a real date"},
		{name: "born before 1900 (GB example 440524188001010014)", id: "440524188001010014",
			wantErr: "birth year (characters 7–10) must be between 1900 and 2100"},
		{name: "born after 2100", id: withCheck(t, "43072121010101123"),
			wantErr: "birth year (characters 7–10) must be between 1900 and 2100"},
		{name: "17 characters", id: "43072119900101123",
			wantErr: "must be 18 characters, got 17"},
		{name: "19 characters", id: withCheck(t, "43072119900101123") + "0",
			wantErr: "must be 18 characters, got 19"},
		{name: "old 15-digit number", id: "430721900101123",
			wantErr: "must be 18 characters, got 15"},
		{name: "empty", id: "", wantErr: "must be 18 characters, got 0"},
		{name: "letter O for zero", id: "4307211990O101123X",
			wantErr: "character 11 must be a digit"},
		{name: "X inside", id: "43072119900101X234",
			wantErr: "character 15 must be a digit"},
		{name: "letter as check", id: "43072119900101123A",
			wantErr: "character 18 must be a digit or X"},
		{name: "full-width digits", id: "４３０７２１１９９００１０１１２３４",
			wantErr: "character 1 must be a digit"},
		{name: "space padded", id: " 43072119900101123",
			wantErr: "character 1 must be a digit"},
		{name: "multi-byte check character", id: "43072119900101123Ｘ",
			wantErr: "character 18 must be a digit or X"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidIDNumber(tc.id)
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tc.wantErr)
			if len(tc.id) > 6 {
				require.NotContains(t, err.Error(), tc.id[6:], "errors must not repeat the number")
			}
		})
	}
}

func TestMasks(t *testing.T) {
	for _, tc := range []struct {
		name string
		mask func(string) string
		in   string
		want string
	}{
		{"id number", MaskIDNumber, "430721199001011234", "430721********1234"},
		{"id number with x", MaskIDNumber, "11010519491231002x", "110105********002x"},
		{"id number too short to hide anything", MaskIDNumber, "4307211234", "**********"},
		{"id number empty", MaskIDNumber, "", ""},
		{"mobile", MaskPhone, "13912341111", "139****1111"},
		{"landline", MaskPhone, "0736-1234567", "0736-***4567"},
		{"landline short local part", MaskPhone, "0736-1234", "0736-****"},
		{"phone too short", MaskPhone, "1391111", "*******"},
		{"phone empty", MaskPhone, "", ""},
		{"bank account", MaskBankAccount, "6222021234567890123", "***************0123"},
		{"bank account too short", MaskBankAccount, "1234", "****"},
		{"bank account empty", MaskBankAccount, "", ""},
		{"non-ASCII keeps rune count", MaskIDNumber, "四三零七二一一九九零零一零一一二三四", "四三零七二一********一二三四"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, tc.mask(tc.in))
		})
	}
}

func TestHouseholdMasked(t *testing.T) {
	h := validHousehold(t)
	m := h.Masked()
	require.Equal(t, "139****1111", m.Phone)
	require.Equal(t, "***************0123", m.BankAccount)
	require.Equal(t, "430721********"+h.Members[0].IDNumber[14:], m.Members[0].IDNumber)
	for i, member := range m.Members {
		require.Equal(t, MaskIDNumber(h.Members[i].IDNumber), member.IDNumber)
		require.Equal(t, h.Members[i].Name, member.Name, "names stay: they appear on notices")
	}
	require.Equal(t, validHousehold(t), h, "masking must not change the original")
	require.Nil(t, Household{}.Masked().Members)
	require.Equal(t, Household{}, Household{}.Masked())
}

func FuzzIDNumber(f *testing.F) {
	for _, seed := range []string{"", "11010519491231002X", "11010519491231002x", "440524188001010014",
		"43072119990230123X", "４３０７２１１９９００１０１１２３４", "0736-1234567", "\xff\xfe", strings.Repeat("9", 18)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidIDNumber(s) // must not panic on any input
		masked := MaskIDNumber(s)
		if utf8.ValidString(s) {
			require.Equal(t, utf8.RuneCountInString(s), utf8.RuneCountInString(masked))
		}
		_ = MaskPhone(s)
		_ = MaskBankAccount(s)
		if err != nil {
			return
		}
		require.Len(t, masked, len(s))
		require.Equal(t, s[:6], masked[:6])
		require.Equal(t, s[14:], masked[14:])
		require.Equal(t, "********", masked[6:14])
		require.NoError(t, ValidIDNumber(strings.ToUpper(s)), "x and X are the same number")
	})
}

func BenchmarkValidIDNumber(b *testing.B) {
	id := withCheck(b, "43072119900101123")
	for b.Loop() {
		if err := ValidIDNumber(id); err != nil {
			b.Fatal(err)
		}
	}
}
