import { Module } from '@nestjs/common';
import { LlmBudgets } from './llm-budgets.js';
import { UsageController } from './usage.controller.js';

@Module({
  controllers: [UsageController],
  providers: [LlmBudgets],
  // Task and workflow submits refuse LLM work past a tenant's budget.
  exports: [LlmBudgets],
})
export class UsageModule {}
