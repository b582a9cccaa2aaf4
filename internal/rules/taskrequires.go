package rules

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// DefaultTaskPhrases are the words that show a task asks for paper ledgers
// (S11), a room set aside (S14) or a wall posting (S17), when a city
// declares no list of its own (Jurisdiction spec.taskPhrases).
var DefaultTaskPhrases = []governancev1alpha1.TaskPhrase{
	{Phrase: "纸质台账", Rule: S11}, {Phrase: "手工台账", Rule: S11}, {Phrase: "纸质材料", Rule: S11}, {Phrase: "纸质记录", Rule: S11}, {Phrase: "台账资料", Rule: S11},
	{Phrase: "专用", Rule: S14}, {Phrase: "专室", Rule: S14}, {Phrase: "专门场所", Rule: S14}, {Phrase: "独立办公室", Rule: S14},
	{Phrase: "上墙", Rule: S17}, {Phrase: "挂墙", Rule: S17}, {Phrase: "张贴制度", Rule: S17},
}

// TaskPhrases is the city's phrase list, or the built-in one.
func (j Jurisdictions) TaskPhrases(city string) []governancev1alpha1.TaskPhrase {
	if jur := j.byCode[j.Resolve(city)]; jur != nil && len(jur.Spec.TaskPhrases) > 0 {
		return jur.Spec.TaskPhrases
	}
	return DefaultTaskPhrases
}

// demands is what a task asks beyond the work: by its type or its
// declared requires (S11, S14, S17).
type demands struct{ ledger, room, wall bool }

func demandsOf(t *governancev1alpha1.Task) demands {
	d := demands{
		ledger: t.Spec.Type == governancev1alpha1.TaskPaperLedgerInspection,
		room:   t.Spec.Type == governancev1alpha1.TaskExclusiveRoomUse,
		wall:   t.Spec.Type == governancev1alpha1.TaskWallPosting,
	}
	if r := t.Spec.Requires; r != nil {
		d.ledger, d.room, d.wall = d.ledger || r.PaperLedgers, d.room || r.ExclusiveRoom, d.wall || r.WallPosting
	}
	return d
}

// phraseFindings refuses a task whose words ask for what it does not
// declare (S11, S14, S17): the rules follow what a task asks, not only the
// type it gives itself. The phrase found is shown.
func phraseFindings(t *governancev1alpha1.Task, d demands, phrases []governancev1alpha1.TaskPhrase) field.ErrorList {
	declared := map[string]bool{S11: d.ledger, S14: d.room, S17: d.wall}
	text := t.Spec.Title + "\n" + t.Spec.Description
	var errs field.ErrorList
	for _, p := range phrases {
		if declared[p.Rule] || !strings.Contains(text, p.Phrase) {
			continue
		}
		declared[p.Rule] = true // one finding per rule
		errs = append(errs, forbidden(specPath.Child("requires"), phraseMessage(p)))
	}
	return errs
}

func phraseMessage(p governancev1alpha1.TaskPhrase) Message {
	switch p.Rule {
	case S11:
		return msg(S11, "任务名称或说明含“%[1]s”，即要求纸质台账；请如实声明 spec.requires.paperLedgers（已在平台留痕的村（社区）不得要求）或修改表述",
			"the task's title or description says “%[1]s”, which asks for paper ledgers; declare spec.requires.paperLedgers (villages that keep their records on the platform cannot be asked) or rephrase", p.Phrase)
	case S14:
		return msg(S14, "任务名称或说明含“%[1]s”，即要求专用场所；村（社区）场所一室多用，不得要求专用",
			"the task's title or description says “%[1]s”, which asks for a room set aside; village rooms are multi-use and cannot be reserved", p.Phrase)
	default:
		return msg(S17, "任务名称或说明含“%[1]s”，即要求上墙；请如实声明 spec.requires.wallPosting（仅群众需要知晓的服务事项可上墙）或修改表述",
			"the task's title or description says “%[1]s”, which asks for a wall posting; declare spec.requires.wallPosting (only what residents need to know may be posted) or rephrase", p.Phrase)
	}
}
