package cli

import (
	"context"
	"fmt"
	"regexp"
	"sync"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/config"
)

// crdSchema is one kind's schema as the API server checks an object on
// creation: defaults, the OpenAPI schema, the list invariants and the CEL
// rules (x-kubernetes-validations). validate runs it offline, so that what
// the API server refuses by itself — a required field, an unknown value, a
// CEL-only rule — is refused by the CLI too, with the same message.
type crdSchema struct {
	structural *structuralschema.Structural
	openAPI    apiservervalidation.SchemaValidator
	cel        *cel.Validator
	// rules are the rule IDs the CEL rules' messages declare, by message.
	rules map[string]string
}

// crdSchemas are the embedded CRDs' schemas by kind, read once.
var crdSchemas = sync.OnceValues(func() (map[string]*crdSchema, error) {
	crds, err := config.CRDs()
	if err != nil {
		return nil, err
	}
	out := map[string]*crdSchema{}
	for _, crd := range crds {
		for _, v := range crd.Spec.Versions {
			if v.Name != governancev1alpha1.GroupVersion.Version || v.Schema == nil {
				continue
			}
			s, err := newCRDSchema(v.Schema.OpenAPIV3Schema)
			if err != nil {
				return nil, fmt.Errorf("reading the schema of %s: %w", crd.Spec.Names.Kind, err)
			}
			out[crd.Spec.Names.Kind] = s
		}
	}
	return out, nil
})

func newCRDSchema(v1 *apiextensionsv1.JSONSchemaProps) (*crdSchema, error) {
	internal := &apiextensions.JSONSchemaProps{}
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v1, internal, nil); err != nil {
		return nil, err
	}
	structural, err := structuralschema.NewStructural(internal)
	if err != nil {
		return nil, err
	}
	openAPI, _, err := apiservervalidation.NewSchemaValidator(internal)
	if err != nil {
		return nil, err
	}
	s := &crdSchema{structural: structural, openAPI: openAPI, cel: cel.NewValidator(structural, true, celconfig.PerCallLimit), rules: map[string]string{}}
	collectRules(v1, s.rules)
	return s, nil
}

// declaredRule is the rule ID a CEL message starts with (S1–S20, P1).
var declaredRule = regexp.MustCompile(`^(S[0-9]{1,2}|P1) `)

// collectRules reads the rule each CEL rule's message declares: the
// message is the rule's own text, so its rule is known before any object
// breaks it.
func collectRules(s *apiextensionsv1.JSONSchemaProps, into map[string]string) {
	if s == nil {
		return
	}
	for _, r := range s.XValidations {
		if m := declaredRule.FindStringSubmatch(r.Message); m != nil {
			into[r.Message] = m[1]
		}
	}
	for _, p := range s.Properties {
		collectRules(&p, into)
	}
	if s.Items != nil {
		collectRules(s.Items.Schema, into)
	}
	if s.AdditionalProperties != nil {
		collectRules(s.AdditionalProperties.Schema, into)
	}
}

// validate checks obj (the object as written; it is defaulted in place) as
// the API server would create it. The CEL rules run unless the schema
// already refused what blocks them, as in the API server.
func (s *crdSchema) validate(obj map[string]any) field.ErrorList {
	structuraldefaulting.Default(obj, s.structural)
	errs := apiservervalidation.ValidateCustomResource(nil, obj, s.openAPI)
	errs = append(errs, listtype.ValidateListSetsAndMaps(nil, s.structural, obj)...)
	if blocksCEL(errs) {
		return errs
	}
	celErrs, _ := s.cel.Validate(context.Background(), nil, s.structural, obj, nil, celconfig.RuntimeCELCostBudget)
	for _, e := range celErrs {
		e.Origin = s.rules[e.Detail]
		if e.Field == "<nil>" { // a rule of the whole object
			e.Field = ""
		}
	}
	return append(errs, celErrs...)
}

// blocksCEL: the API server skips the CEL rules of an object that breaks
// the schema's types, required fields, lengths or enums.
func blocksCEL(errs field.ErrorList) bool {
	for _, e := range errs {
		switch e.Type {
		case field.ErrorTypeNotSupported, field.ErrorTypeRequired, field.ErrorTypeTooLong, field.ErrorTypeTooMany, field.ErrorTypeTypeInvalid:
			return true
		}
	}
	return false
}

// checkSchemas runs the CRDs' schemas on every object of the group.
func (c *checker) checkSchemas(ms []manifest) {
	schemas, err := crdSchemas()
	if err != nil {
		panic(err) // embedded at build time and checked by the tests
	}
	for _, m := range ms {
		s := schemas[m.gvk.Kind]
		if s == nil || m.raw == nil {
			continue
		}
		c.addFieldErrors(m, "", s.validate(runtime.DeepCopyJSON(m.raw)))
	}
}
