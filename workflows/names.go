package workflows

import (
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// Registered names. They are part of every recorded history: never rename.
const (
	ApprovalWorkflow   = "Approval"
	MonitoringWorkflow = "Monitoring"

	UpdateDecide          = "decide"
	UpdateWithdraw        = "withdraw"
	UpdateSupplyMaterials = "supply_materials"
	UpdateObject          = "object"
	UpdateReport          = "report"
	UpdateMigrate         = "migrate"
	QueryState            = "state"
)

// Types of the errors an Update validator rejects with. The API maps them
// to 409, 422 and 403.
const (
	RejectConflict  = "conflict"
	RejectInvalid   = "invalid"
	RejectForbidden = "forbidden"
)

// ApprovalID is the workflow id of a case's approval.
func ApprovalID(caseID int64) string { return fmt.Sprintf("case/%d", caseID) }

// MonitoringID is the workflow id of an enrolled household's monitoring.
func MonitoringID(caseID int64) string { return fmt.Sprintf("monitoring/%d", caseID) }

// Search attributes the workflows set, so operators can find cases in the
// Temporal UI by status, program and region.
var (
	SACaseStatus    = temporal.NewSearchAttributeKeyKeyword("CaseStatus")
	SAProgram       = temporal.NewSearchAttributeKeyKeyword("Program")
	SARegion        = temporal.NewSearchAttributeKeyKeyword("RegionCode")
	SADefinitionKey = temporal.NewSearchAttributeKeyKeyword("DefinitionKey")
)

// SearchAttributes lists the custom search attributes a namespace needs.
func SearchAttributes() map[string]enumspb.IndexedValueType {
	out := map[string]enumspb.IndexedValueType{}
	for _, k := range []temporal.SearchAttributeKeyKeyword{SACaseStatus, SAProgram, SARegion, SADefinitionKey} {
		out[k.GetName()] = enumspb.INDEXED_VALUE_TYPE_KEYWORD
	}
	return out
}

func reject(kind, format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), kind)
}
