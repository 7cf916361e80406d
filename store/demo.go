package store

import (
	"context"
	"errors"

	"gorm.io/gorm"
)

const demoSeededKey = "demo_seeded"

// DemoPassword is the password of every demo user. `dev` prints it.
const DemoPassword = "demo"

// DemoVillage is the village all demo officials act on; DemoVillage2 is
// its neighbour in the same township.
const (
	DemoCounty   = "430721"
	DemoTownship = "430721100"
	DemoVillage  = "430721100201"
	DemoVillage2 = "430721100202"
)

// DemoRegions is a small tree in Changde, Hunan, coded like the national
// administrative divisions (names are illustrative): one city, two counties,
// two townships each, two villages each.
var DemoRegions = []RegionInput{
	{"430000", "湖南省", "Hunan", LevelProvince, ""},
	{"430700", "常德市", "Changde", LevelCity, "430000"},
	{"430721", "安乡县", "Anxiang County", LevelCounty, "430700"},
	{"430721100", "深柳镇", "Shenliu Town", LevelTownship, "430721"},
	{"430721100201", "书院洲村", "Shuyuanzhou Village", LevelVillage, "430721100"},
	{"430721100202", "岩子嘴村", "Yanzizui Village", LevelVillage, "430721100"},
	{"430721101", "大湖口镇", "Dahukou Town", LevelTownship, "430721"},
	{"430721101201", "大湖口村", "Dahukou Village", LevelVillage, "430721101"},
	{"430721101202", "东湖村", "Donghu Village", LevelVillage, "430721101"},
	{"430722", "汉寿县", "Hanshou County", LevelCounty, "430700"},
	{"430722100", "龙阳镇", "Longyang Town", LevelTownship, "430722"},
	{"430722100201", "沧浪村", "Canglang Village", LevelVillage, "430722100"},
	{"430722100202", "南湖村", "Nanhu Village", LevelVillage, "430722100"},
	{"430722101", "岩汪湖镇", "Yanwanghu Town", LevelTownship, "430722"},
	{"430722101201", "岩汪湖村", "Yanwanghu Village", LevelVillage, "430722101"},
	{"430722101202", "青山村", "Qingshan Village", LevelVillage, "430722101"},
}

// DemoUsers has one user per role, named by the role key, acting in one
// chain county → township → village, plus three users in the neighbouring
// village.
var DemoUsers = []NewUser{
	demoUser("applicant", "王建国", "applicant", DemoVillage),
	demoUser("village_officer", "李春梅", "village_officer", DemoVillage),
	demoUser("village_committee", "赵德明", "village_committee", DemoVillage),
	demoUser("township_clerk", "陈晓燕", "township_clerk", DemoTownship),
	demoUser("township_approver", "刘志强", "township_approver", DemoTownship),
	demoUser("county_checker", "周丽华", "county_checker", DemoCounty),
	demoUser("county_approver", "孙国平", "county_approver", DemoCounty),
	demoUser("auditor", "吴秀英", "auditor", DemoCounty),
	demoUser("admin", "郑海涛", "admin", DemoCounty),
	demoUser("applicant2", "黄桂兰", "applicant", DemoVillage2),
	demoUser("village_officer2", "何立新", "village_officer", DemoVillage2),
	demoUser("village_committee2", "马文斌", "village_committee", DemoVillage2),
}

func demoUser(username, name, role, region string) NewUser {
	return NewUser{Username: username, DisplayName: name, Password: DemoPassword,
		Grants: []NewGrant{{Role: role, Region: region}}}
}

// SeedDemo writes the demo regions and users once per database. It reports
// whether it seeded; a second call, or a call racing another process, finds
// the marker and changes nothing.
func (s *Store) SeedDemo(ctx context.Context) (bool, error) {
	if _, err := s.Setting(ctx, demoSeededKey); err == nil {
		return false, nil
	} else if !errors.Is(err, ErrNotFound) {
		return false, err
	}
	hash, err := HashPassword(DemoPassword)
	if err != nil {
		return false, err
	}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&Setting{Key: demoSeededKey, Value: s.now().Format("2006-01-02T15:04:05Z")}).Error; err != nil {
			return translate(err)
		}
		if err := putRegions(tx, DemoRegions); err != nil {
			return err
		}
		for _, u := range DemoUsers {
			if _, err := createUser(tx, u, hash, s.now()); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, ErrConflict) {
		return false, nil // another process seeded first
	}
	return err == nil, err
}
